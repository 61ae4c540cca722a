import Foundation
import Hummingbird
import SpoolCore
import SpoolService
import SpoolStore

extension SpoolAPI {
    /// `DELETE /jobs/{id}`: `cancel/<id>` for one job; a running job has its tools stopped (the hosted API
    /// cannot); a finished one is refused with 400.
    func cancel(id: String) async throws -> Response {
        guard SpoolID.isValid(id.lowercased()) else { throw APIError.jobNotFound }
        switch await parts.control.cancelJob(id: id) {
        case .cancelled, .stopping:
            logger.info("job cancelled over HTTP", metadata: ["job.id": "\(id.lowercased())"])
            return JSONBody.response(["message": "Job cancelled successfully", "job_id": id.lowercased()])
        case .refused(let why):
            throw APIError(.badRequest, "Job cannot be cancelled: \(why)")
        case .unknown:
            throw APIError.jobNotFound
        }
    }

    /// `POST /jobs/{id}/retry`: `retry/<id>` for one Failed or Warning job: a new job, same parameters.
    func retry(id: String) async throws -> Response {
        let control = parts.control
        switch await control.retryJob(id: id) {
        case .created(let job):
            return JSONBody.response(
                [
                    "job_id": job.id, "original_job_id": job.originalJobId ?? id.lowercased(),
                    "message": "Job retried successfully",
                ], status: .created)
        case .refused(let why):
            throw APIError(.badRequest, "Job cannot be retried: \(why)")
        case .unknown:
            throw APIError.jobNotFound
        }
    }

    /// `DELETE /jobs/{id}/file`: a Completed job's outputs are deleted; the job record stays.
    func deleteFile(id: String) async throws -> Response {
        let id = id.lowercased()
        guard SpoolID.isValid(id) else { throw APIError.jobNotFound }
        let (paths, purge) = (parts.paths, purgeOutputs)
        let job = try await store.fetchJob(id: id)
        let result = try await blocking { () -> OutputPurge.Result? in try job.map { try purge($0, paths) } }
        switch result {
        case nil:
            throw APIError.jobNotFound
        case .nothingToDelete:
            throw APIError(.badRequest, "Job has no file to delete")
        case .deleted(let key):
            logger.info("job output deleted over HTTP", metadata: ["job.id": "\(id)", "key": "\(key)"])
            return JSONBody.response(["message": "File deleted successfully", "job_id": id, "deleted_key": key])
        }
    }
}
