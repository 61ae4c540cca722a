import Foundation
import HTTPTypes
import Hummingbird
import SpoolCore
import SpoolService

extension SpoolAPI {
    static let idempotencyHeader = HTTPField.Name("x-idempotency-key")!

    /// `POST /jobs/bulk`: the batch file's body (folder-contract §3), ingested as a dropped file would be.
    func createBulk(_ request: Request) async throws -> Response {
        var body = try await readJSON(request)
        try validate(body)
        if let key = request.headers[Self.idempotencyHeader] {
            body = try setting(["idempotency_key": key], in: body, unlessPresent: true)
            try validate(body)
        }
        switch try await ingest(body) {
        case .created(let batchID, let jobIDs):
            return JSONBody.response(BulkAnswer(batchId: batchID, jobIds: jobIDs), status: .created)
        case .cached(let batchID, let jobIDs):
            return JSONBody.response(BulkAnswer(batchId: batchID, jobIds: jobIDs, cached: true))
        }
    }

    /// `POST /jobs`: one job, the shared options at top level; internally a batch of one, so folder users see it.
    func createJob(_ request: Request) async throws -> Response {
        let raw = try await readJSON(request)
        guard var object = (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any] else {
            try validate(raw)  // answers with the batch validator's own message for what this is
            throw APIError(.badRequest, "The body must be a JSON object")
        }
        if object["jobs"] != nil {
            throw APIError(
                .badRequest, "1 problem in request",
                errors: [FieldError(field: "jobs", message: "jobs is not a field of POST /jobs; use POST /jobs/bulk")])
        }
        let webhook = try await webhookRequest(raw)
        object["webhook_url"] = nil
        object["enable_progress_webhook"] = nil
        var item: [String: Any] = [:]
        for key in ["url", "filename"] where object[key] != nil {
            item[key] = object.removeValue(forKey: key)
        }
        object["jobs"] = [item]
        if let key = request.headers[Self.idempotencyHeader], object["idempotency_key"] == nil {
            object["idempotency_key"] = key
        }
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try validate(body, singleJob: true)
        switch try await ingest(body) {
        case .created(_, let jobIDs):
            if let webhook, let jobID = jobIDs.first { try await recordWebhook(webhook, jobID: jobID) }
            return JSONBody.response(["job_id": jobIDs.first ?? ""], status: .created)
        case .cached(_, let jobIDs):
            return JSONBody.response(SingleCachedAnswer(jobId: jobIDs.first ?? ""))
        }
    }

    // MARK: - Shared steps

    /// The body, up to `max_batch_bytes` (413 past it); 415 unless it is declared JSON (or not declared).
    func readJSON(_ request: Request) async throws -> Data {
        if let type = request.headers[.contentType],
            type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() != "application/json"
        {
            throw APIError(.unsupportedMediaType, "The body must be JSON: send Content-Type: application/json")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: parts.configuration.maxBatchBytes)
        return Data(buffer.readableBytesView)
    }

    /// The batch file's validation (folder-contract §3): 400 with the same fields and messages as a rejection
    /// receipt. `singleJob` names a `POST /jobs` body's fields as it has them (`url`, not `jobs[0].url`).
    func validate(_ body: Data, singleJob: Bool = false) throws {
        guard case .failure(let rejection) = BatchValidator.validate(body, settings: ValidationSettings()) else {
            return
        }
        throw Self.rejected(rejection.errors, singleJob: singleJob)
    }

    static func rejected(_ errors: [FieldError], singleJob: Bool = false) -> APIError {
        let fields =
            singleJob
            ? errors.map {
                FieldError(field: $0.field.replacingOccurrences(of: "jobs[0].", with: ""), message: $0.message)
            }
            : errors
        return APIError(.badRequest, BatchRejection(errors: fields).summary, errors: fields)
    }

    /// `body` with `values` set at top level (only where absent, when `unlessPresent`).
    func setting(_ values: [String: String], in body: Data, unlessPresent: Bool) throws -> Data {
        guard var object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return body }
        for (key, value) in values where !(unlessPresent && object[key] != nil) { object[key] = value }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    enum Created {
        case created(batchID: String, jobIDs: [String])
        case cached(batchID: String, jobIDs: [String])
    }

    /// The inbox's ingest of a posted body (`Ingestor.ingest(body:source:)`), then the scheduler is woken.
    func ingest(_ body: Data) async throws -> Created {
        let ingested = await parts.ingestor.ingest(body: body, source: Ingestor.postedSourceName())
        var outcome: (Ingestor.Outcome, [String]) = (ingested, [])
        if case .cached(let batchID) = ingested { outcome.1 = try await store.fetchJobs(batchID: batchID).map(\.id) }
        parts.metrics?.ingested(outcome.0, droppedAt: nil)
        switch outcome.0 {
        case .accepted(let batchID, let jobIDs):
            parts.scheduler.wake()
            logger.info("batch posted over HTTP", metadata: ["batch.id": "\(batchID)", "jobs": "\(jobIDs.count)"])
            return .created(batchID: batchID, jobIDs: jobIDs)
        case .cached(let batchID):
            return .cached(batchID: batchID, jobIDs: outcome.1)
        case .rejected(let errors):
            throw Self.rejected(errors)
        case .ignored:
            throw APIError(.serviceUnavailable, "The batch could not be stored; see the service log, then try again")
        }
    }
}

/// `POST /jobs/bulk`'s answer: the receipt's fields.
struct BulkAnswer: Encodable {
    var batchId: String
    var jobIds: [String]
    var cached: Bool?

    enum CodingKeys: String, CodingKey {
        case batchId = "batch_id"
        case jobIds = "job_ids"
        case totalJobs = "total_jobs"
        case cached
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(batchId, forKey: .batchId)
        try c.encode(jobIds.count, forKey: .totalJobs)
        try c.encode(jobIds, forKey: .jobIds)
        try c.encodeIfPresent(cached, forKey: .cached)
    }
}

/// `POST /jobs` answered from an earlier request with the same idempotency key.
struct SingleCachedAnswer: Encodable {
    var jobId: String
    var cached = true

    enum CodingKeys: String, CodingKey {
        case jobId = "job_id"
        case cached
    }
}
