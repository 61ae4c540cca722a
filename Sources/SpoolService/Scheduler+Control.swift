import Foundation
import SpoolCore
import SpoolStore

/// Control requests (`cancel/`, `DELETE /jobs/{id}`): a queued job ends at once, a running one has its tools
/// stopped. On a cluster node a job running on another node is cancelled with a plain save, which ends its
/// lease there (Scheduler+Leases.swift).
extension Scheduler {
    /// What a cancel request came to.
    package enum CancelResult: Sendable, Equatable {
        case cancelled
        case stopping
        case notCancellable(String)
        case unknown
    }

    /// Cancels a job: a queued one ends at once, a running one has its tools stopped.
    package func cancel(jobID: String) async -> CancelResult {
        guard var job = try? await store.fetchJob(id: jobID) else { return .unknown }
        if job.status.isTerminal {
            return .notCancellable("job \(jobID) has already finished (\(job.status.rawValue))")
        }
        if let task = running[jobID] {
            cancelRequested.insert(jobID)
            stopRequests[jobID]?.mark(.cancel)
            task.cancel()
            return .stopping
        }
        guard (try? job.cancel(at: Date().millisecondsSince1970)) != nil else {
            return .notCancellable("job \(jobID) cannot be cancelled")
        }
        // Not started while its cancel is saved: the start would overwrite the cancel, or run a cancelled job.
        cancelling.insert(jobID)
        defer { cancelling.remove(jobID) }
        guard await save(job, change: "cancel") else { return .notCancellable("job \(jobID) changed; try again") }
        // A live recording kept at shutdown for this job's next attempt goes with the cancel.
        try? FileManager.default.removeItem(atPath: paths.workDirectory(jobID))
        dueTimerStale = true
        metrics?.jobEnded(job)
        await status.write(job: job)
        await status.writeBatch(id: job.batchId)
        return .cancelled
    }
}
