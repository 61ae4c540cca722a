import Foundation
import SpoolCore
import SpoolStore

extension ControlFiles {
    /// What became of a cancel asked for by ID (the HTTP API's `DELETE /jobs/{id}`).
    package enum CancelAnswer: Sendable, Equatable {
        /// Queued: it ended at once. Running: its tools are being stopped.
        case cancelled, stopping
        case refused(String)
        case unknown
    }

    /// What became of a retry asked for by ID (the HTTP API's `POST /jobs/{id}/retry`).
    package enum RetryAnswer: Sendable, Equatable {
        case created(JobRecord)
        case refused(String)
        case unknown
    }

    /// `cancel/<job id>` for one job, answered instead of written as a receipt: the scheduler's own cancel.
    package func cancelJob(id: String) async -> CancelAnswer {
        switch await scheduler.cancel(jobID: id.lowercased()) {
        case .cancelled: .cancelled
        case .stopping: .stopping
        case .notCancellable(let why): .refused(why)
        case .unknown: .unknown
        }
    }

    /// `retry/<job id>` for one job: a new job with the same parameters in the same batch (folder-contract §7).
    package func retryJob(id: String) async -> RetryAnswer {
        let id = id.lowercased()
        guard SpoolID.isValid(id), let old = try? await store.fetchJob(id: id) else { return .unknown }
        guard old.status == .failed || old.status == .warning else {
            return .refused("job \(old.id) is \(old.status.rawValue); only Failed or Warning jobs can be retried")
        }
        let now = Date()
        let fresh = JobRecord(
            id: SpoolID.make(now: now), batchId: old.batchId, position: 0, url: old.url, filename: old.filename,
            folder: old.folder, options: old.options, createdAt: now.millisecondsSince1970, originalJobId: old.id)
        do {
            let inserted = try await store.appendRetryJobs([fresh], toBatch: old.batchId)
            for job in inserted { await status.write(job: job) }
            await status.writeBatch(id: old.batchId)
            metrics?.changed()
            scheduler.wake()
            return inserted.first.map { .created($0) } ?? .refused("the retry could not be recorded")
        } catch {
            return .refused("the retry could not be recorded: \(error)")
        }
    }
}
