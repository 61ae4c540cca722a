import Foundation
import Logging
import SpoolInbox
import SpoolStore

/// Writes the status projection atomically (temp + rename); failures are logged, never fatal,
/// because the database stays the truth and start-up rebuilds the files.
package struct StatusWriter: Sendable {
    package var store: Store
    package var paths: SpoolPaths
    package var logger: Logger

    package init(store: Store, paths: SpoolPaths, logger: Logger) {
        self.store = store
        self.paths = paths
        self.logger = logger
    }

    package func write(job: JobRecord) {
        write(StatusProjection.job(job, paths: paths), to: paths.jobStatus(job.id))
    }

    /// Rewrites the batch file from the store, recording the batch's end when every job is terminal.
    package func writeBatch(id: String) {
        do {
            guard var batch = try store.batch(id: id) else { return }
            let jobs = try store.jobs(batchID: id)
            let done = !jobs.isEmpty && jobs.allSatisfy { $0.status.isTerminal }
            if done && batch.finishedAt == nil {
                let end = jobs.compactMap(\.finishedAt).max() ?? Date().millisecondsSince1970
                try store.setBatchFinished(id: id, at: end)
                batch.finishedAt = end
            }
            write(StatusProjection.batch(batch, jobs: jobs), to: paths.batchStatus(id))
        } catch {
            logger.error("batch status not written", metadata: ["batch.id": "\(id)", "error": "\(error)"])
        }
    }

    /// Start-up: every status file rewritten from the database.
    package func rebuildAll() throws {
        for job in try store.allJobs() { write(job: job) }
        for batch in try store.batches() { writeBatch(id: batch.id) }
    }

    func write(_ doc: [String: Any], to path: String) {
        do {
            try AtomicFile.write(StatusProjection.encode(doc), to: path)
        } catch {
            logger.error("status file not written", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}

import SpoolCore
