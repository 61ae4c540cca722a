import Dispatch
import Foundation
import Glibc
import Logging
import SpoolCore
import SpoolFiles
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
        var doc = StatusProjection.job(job, paths: paths)
        doc.webhookStatus = (try? store.webhook(jobID: job.id))??.state.rawValue  // docs/webhooks.md
        write(doc, to: paths.jobStatus(job.id))
    }

    /// Rewrites the batch file from the store, recording the batch's end when every job is terminal.
    package func writeBatch(id: String) {
        do {
            guard let batch = try store.batch(id: id) else { return }
            try writeBatch(batch, jobs: try store.jobs(batchID: id))
        } catch {
            logger.error("batch status not written", metadata: ["batch.id": "\(id)", "error": "\(error)"])
        }
    }

    /// A batch just created: its job files and its batch file from the records in hand (no store
    /// round trip). `encoded` holds the job documents when the caller encoded them already (`encodeNew`).
    /// One thread writes: the files share one directory, whose lock makes parallel creates spin.
    package func writeCreated(_ batch: BatchRecord, jobs: [JobRecord], encoded: [Data]? = nil) {
        let documents = encoded ?? jobs.map(encodeNew)
        for (job, data) in zip(jobs, documents) { writeNew(data, to: paths.jobStatus(job.id)) }
        write(StatusProjection.batch(batch, jobs: jobs), to: paths.batchStatus(batch.id))
    }

    /// The bytes of a job's status file.
    package func encodeNew(_ job: JobRecord) -> Data {
        StatusProjection.encode(StatusProjection.job(job, paths: paths))
    }

    /// `batches/<id>.json` from `jobs` (the batch's jobs in position order); records the batch's end in
    /// the store when every job is terminal and it is not recorded yet.
    func writeBatch(_ batch: BatchRecord, jobs: [JobRecord], ifChanged: Bool = false) throws {
        var batch = batch
        let done = !jobs.isEmpty && jobs.allSatisfy { $0.status.isTerminal }
        if done && batch.finishedAt == nil {
            let end = jobs.compactMap(\.finishedAt).max() ?? Date().millisecondsSince1970
            try store.setBatchFinished(id: batch.id, at: end)
            batch.finishedAt = end
        }
        write(StatusProjection.batch(batch, jobs: jobs), to: paths.batchStatus(batch.id), ifChanged: ifChanged)
    }

    /// Status files are a projection of the database (rebuilt at start-up), so they skip fsync:
    /// atomic for readers, cheap enough to rewrite on every transition.
    func write<Document: Encodable>(_ doc: Document, to path: String, ifChanged: Bool = false) {
        let data = StatusProjection.encode(doc)
        if ifChanged, Posix.contents(of: path, ifSize: data.count) == data { return }
        do {
            try AtomicFile.write(data, to: path, durable: false)
        } catch {
            logger.error("status file not written", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// A status file that does not exist yet (see `AtomicFile.writeNew`).
    func writeNew(_ data: Data, to path: String) {
        do {
            try AtomicFile.writeNew(data, to: path)
        } catch {
            logger.error("status file not written", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}
