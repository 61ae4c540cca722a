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

    /// Start-up: every status file that is missing or differs from the database is rewritten.
    package func rebuildAll() throws {
        for job in try store.allJobs() { write(StatusProjection.job(job, paths: paths), to: paths.jobStatus(job.id), ifChanged: true) }
        for batch in try store.batches() { writeBatch(id: batch.id) }
    }

    /// Status files are a projection of the database (rebuilt at start-up), so they skip fsync:
    /// atomic for readers, cheap enough to rewrite on every transition.
    func write(_ doc: [String: Any], to path: String, ifChanged: Bool = false) {
        let data = StatusProjection.encode(doc)
        if ifChanged, FileManager.default.contents(atPath: path) == data { return }
        do {
            try AtomicFile.write(data, to: path, durable: false)
        } catch {
            logger.error("status file not written", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}

import SpoolCore
