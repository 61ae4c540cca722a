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
    package var store: any StoreEngine
    package var paths: SpoolPaths
    package var logger: Logger
    /// The order of `write(job:)` and `writeBatch(id:)` (shared by copies of this writer).
    let order = StatusWriteOrder()
    /// Several nodes on one root (StatusWriter+Shared): writes take this lock and read under it. Nil on one node.
    package var sharedLock: SharedFileLock?

    package init(store: any StoreEngine, paths: SpoolPaths, logger: Logger) {
        self.store = store
        self.paths = paths
        self.logger = logger
    }

    /// Writes the job's file. Nonsending: its place in the order is taken on the caller's actor, before any
    /// suspension, so one actor's writes land in the order it asked for them (`StatusWriteOrder`).
    nonisolated(nonsending) package func write(job: JobRecord) async {
        let ticket = order.ticket()
        if let sharedLock { return await writeShared(job: job, lock: sharedLock, ticket: ticket) }
        let doc = await document(of: job)
        await order.turn(ticket)
        write(doc, to: paths.jobStatus(job.id))
        order.done(ticket)
    }

    /// Rewrites the batch file from the store, recording the batch's end when every job is terminal.
    nonisolated(nonsending) package func writeBatch(id: String) async {
        let ticket = order.ticket()
        if let sharedLock { return await writeBatchShared(id: id, lock: sharedLock, ticket: ticket) }
        let document = await batchDocument(id: id)
        await order.turn(ticket)
        if let document { write(document, to: paths.batchStatus(id)) }
        order.done(ticket)
    }

    /// The job's document, with its webhook's state (docs/webhooks.md).
    nonisolated(nonsending) func document(of job: JobRecord) async -> JobStatusDocument {
        var doc = StatusProjection.job(job, paths: paths)
        doc.webhookStatus = (try? await store.fetchWebhook(jobID: job.id))??.state.rawValue
        return doc
    }

    /// The batch's document from the store; nil (logged when the store failed) when there is none.
    nonisolated(nonsending) func batchDocument(id: String) async -> BatchStatusDocument? {
        do {
            guard let batch = try await store.fetchBatch(id: id) else { return nil }
            return try await projection(of: batch, jobs: try await store.fetchJobs(batchID: id))
        } catch {
            logger.error("batch status not written", metadata: ["batch.id": "\(id)", "error": "\(error)"])
            return nil
        }
    }

    /// A batch just created: its job files and its batch file from the records in hand (no store
    /// round trip). `encoded` holds the job documents when the caller encoded them already (`encodeNew`).
    /// The job files are written on every core: they share one directory, whose lock serialises only the
    /// naming (`linkat`); opening and filling the unnamed files overlap (issue 15: a 1,000-file burst took a
    /// median 13.45 s this way against 19.35 s on one thread, back to back on the 2-core test machine).
    package func writeCreated(_ batch: BatchRecord, jobs: [JobRecord], encoded: [Data]? = nil) {
        let documents = encoded ?? jobs.map(encodeNew)
        if sharedLock != nil { return writeCreatedShared(batch, jobs: jobs, encoded: documents) }
        let files = zip(jobs, documents).map { job, data in (path: paths.jobStatus(job.id), data: data) }
        files.concurrentForEach { file in writeNew(file.data, to: file.path) }
        write(StatusProjection.batch(batch, jobs: jobs), to: paths.batchStatus(batch.id))
    }

    /// The bytes of a job's status file.
    package func encodeNew(_ job: JobRecord) -> Data {
        StatusProjection.encode(StatusProjection.job(job, paths: paths))
    }

    /// `batches/<id>.json` from `jobs` (the batch's jobs in position order); records the batch's end in
    /// the store when every job is terminal and it is not recorded yet.
    /// Start-up only (the rebuild), so outside the write order.
    func writeBatch(_ batch: BatchRecord, jobs: [JobRecord], ifChanged: Bool = false) async throws {
        write(try await projection(of: batch, jobs: jobs), to: paths.batchStatus(batch.id), ifChanged: ifChanged)
    }

    /// The batch's document, recording its end first when every job is terminal and it is not recorded yet.
    func projection(of batch: BatchRecord, jobs: [JobRecord]) async throws -> BatchStatusDocument {
        var batch = batch
        let done = !jobs.isEmpty && jobs.allSatisfy { $0.status.isTerminal }
        if done && batch.finishedAt == nil {
            let end = jobs.compactMap(\.finishedAt).max() ?? Date().millisecondsSince1970
            try await store.finishBatch(id: batch.id, at: end)
            batch.finishedAt = end
        }
        return StatusProjection.batch(batch, jobs: jobs)
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
