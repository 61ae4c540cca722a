import Foundation
import Hummingbird
import SpoolCore
import SpoolService
import SpoolStore

extension SpoolAPI {
    /// `GET /jobs/{id}`: the bytes of `jobs/<id>.json` (one encoder for both: the file itself, or the status
    /// writer's encoding of the store's record while the file is not written yet).
    func job(id: String) async throws -> Response {
        let id = id.lowercased()
        guard SpoolID.isValid(id) else { throw APIError.jobNotFound }
        let (paths, status) = (parts.paths, parts.status)
        var bytes = try await blocking { FileManager.default.contents(atPath: paths.jobStatus(id)) }
        if bytes == nil { bytes = try await store.fetchJob(id: id).map(status.encodeNew) }
        guard let bytes else { throw APIError.jobNotFound }
        return JSONBody.response(bytes: bytes)
    }

    /// `GET /jobs?limit=&offset=&status=`: newest first, the hosted API's short job objects; `total` counts every
    /// job (the filter aside), as the hosted list does. An unknown `status` is ignored, as there.
    func listJobs(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let limit = try Self.integer(query["limit"].map(String.init), name: "limit", default: 20).clamped(1, 100)
        let offset = try Self.integer(query["offset"].map(String.init), name: "offset", default: 0)
        if offset < 0 {
            throw APIError(
                .badRequest, "1 problem in request",
                errors: [FieldError(field: "offset", message: "offset must be 0 or more")])
        }
        let filter = query["status"].flatMap { text in
            JobStatus.allCases.first { $0.rawValue.lowercased() == text.lowercased() && $0 != .skipped }
        }
        let all = try await store.fetchAllJobs()
        let total = all.count
        let newest = all.filter { filter == nil || $0.status == filter }
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        let page = newest.dropFirst(offset).prefix(limit).map(Self.short)
        return JSONBody.response(object: ["jobs": Array(page), "total": total, "limit": limit, "offset": offset])
    }

    /// The list's job object: `id`, `url`, `status`, `s3_key`, `error`, `step`, `created_at`, `finished_at`,
    /// `file_size` (null where it does not apply).
    static func short(_ job: JobRecord) -> [String: Any] {
        func orNull<T>(_ value: T?) -> Any { value.map { $0 as Any } ?? NSNull() }
        return [
            "id": job.id, "url": job.url, "status": job.status.rawValue, "step": job.step.rawValue,
            "s3_key": orNull(job.result?.s3Key), "error": orNull(job.error), "created_at": job.createdAt,
            "finished_at": orNull(job.finishedAt), "file_size": orNull(job.result?.fileSize),
        ]
    }

    static func integer(_ text: String?, name: String, default value: Int) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text) else {
            throw APIError(
                .badRequest, "1 problem in request",
                errors: [FieldError(field: name, message: "\(name) must be a whole number, not \(text)")])
        }
        return number
    }
}

extension Int {
    fileprivate func clamped(_ low: Int, _ high: Int) -> Int { Swift.min(Swift.max(self, low), high) }
}
