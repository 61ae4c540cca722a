import Foundation
import Hummingbird
import SpoolCore
import SpoolService
import SpoolStore

extension SpoolAPI {
    /// `GET /batch/{id}` and `GET /batches/{id}`: the batch status document (`batches/<id>.json`'s fields and
    /// values, from the same projection), plus the hosted API's names so its SDK's batch model reads it:
    /// `id`, `total_episodes`, `completed_episodes`, `failed_episodes` (Failed, Warning and Skipped),
    /// `episode_jobs`; `status` is already the hosted vocabulary (`processing`, `completed`, `finished`).
    func batch(id: String) async throws -> Response {
        let id = id.lowercased()
        guard SpoolID.isValid(id) else { throw APIError.batchNotFound }
        var document: BatchStatusDocument?
        if let batch = try await store.fetchBatch(id: id) {
            document = StatusProjection.batch(batch, jobs: try await store.fetchJobs(batchID: id))
        }
        guard let document,
            var object = try JSONSerialization.jsonObject(with: StatusProjection.encode(document)) as? [String: Any]
        else { throw APIError.batchNotFound }
        let counts = document.counts
        object["id"] = document.batchId
        object["total_episodes"] = document.totalJobs
        object["completed_episodes"] = counts.completed
        object["failed_episodes"] = counts.failed + counts.warning + counts.skipped
        object["episode_jobs"] = document.jobIds
        return JSONBody.response(object: object)
    }
}
