import Dispatch
import Foundation
import Glibc
import Logging
import SpoolCore
import SpoolFiles
import SpoolStore

/// Start-up's half of folder-contract §8 ("status files are rebuilt from the database at start-up if missing or
/// stale"), and the clean-shutdown marker that lets a restart after a graceful stop skip the full check.
///
/// - After a graceful stop (`markCleanShutdown`): every status write was done and flushed, so the files
///   can only have been deleted since. Start-up lists `jobs/` and `batches/` (names only) and writes the
///   files that are missing, decoding only those jobs.
/// - After a crash, on a first start, or when the marker does not match the database: the status journal's
///   jobs and batches (changed since the last graceful stop) are compared and rewritten when they differ
///   (`rebuildDirty`); every file only when most jobs are in the journal (`rebuildAll`).
package struct StatusRebuilder: Sendable {
    package var status: StatusWriter
    package var logger: Logger

    /// Opens the SQLite start-up connection (`Store.Startup`, see `StartupReads`); nil with another engine,
    /// whose protocol methods answer instead. By default set when the status writer's engine is a `Store`.
    package var openStartup: (@Sendable () throws -> Store.Startup)?

    private var store: any StoreEngine { status.store }
    private var paths: SpoolPaths { status.paths }

    package init(status: StatusWriter, logger: Logger) {
        self.status = status
        self.logger = logger
        let database = status.paths.database
        // SQLite-only: a second connection to the SQLite file the engine opened.
        if status.store is Store { self.openStartup = { try Store.Startup(path: database) } }
    }

    /// The reads of one rebuild step (one start-up connection on SQLite, as before the engine seam).
    func reads() throws -> StartupReads {
        StartupReads(startup: try openStartup?(), engine: store)
    }

    /// What start-up found.
    package enum Marker: Sendable, Equatable {
        /// The marker matched the database: the status files were complete at the last stop.
        case valid
        /// No marker (a crash, a first start) or one that does not match the database.
        case absent, stale
    }

    /// Start-up, first thing after opening the store: removes the marker (durably) and the database's copy
    /// of its token, so a crash from here on can never be mistaken for a clean stop. Returns whether the
    /// marker was valid.
    package func consumeMarker() async -> Marker {
        let path = paths.cleanShutdownMarker
        let onDisk = FileManager.default.contents(atPath: path)
        var removed = true
        if onDisk != nil {
            removed = unlink(path) == 0 || errno == ENOENT
            removed = removed && (try? Posix.fsyncDirectory(paths.state)) != nil
        }
        let sealed: Store.Seal?
        do {
            sealed = try await reads().unseal()
        } catch {
            logger.warning("clean-shutdown seal not read", metadata: ["error": "\(error)"])
            return .stale
        }
        guard let onDisk else { return .absent }
        guard removed else {
            logger.warning(
                "clean-shutdown marker not removed; checking every status file", metadata: ["path": "\(path)"])
            return .stale
        }
        guard let sealed, let marker = try? JSONDecoder().decode(Store.Seal.self, from: onDisk), marker == sealed else {
            return .stale
        }
        return .valid
    }

    /// Brings every status file in line with the database. The status journal (`Store.StatusJournal`) holds
    /// every job and batch changed since the files were last complete and flushed, whatever `marker` says
    /// (after a clean stop only what start-up itself changed, e.g. requeued jobs): their files are compared
    /// and rewritten when they differ, and files missing by name are written. When most jobs are in the
    /// journal (a database from before it, or a crash after a busy run) every file is compared instead.
    package func rebuild(marker: Marker) async throws {
        let started = ContinuousClock.now
        let startup = try reads()
        let journal = try await startup.statusJournal()
        let ids = try await startup.ids()
        let mode = marker == .valid ? "clean-restart" : marker == .absent ? "no-marker" : "stale-marker"
        if Self.checksEverything(dirtyJobs: journal.jobs.count, jobs: ids.jobs.count) {
            try await rebuildAll()
            logger.info(
                "status files verified",
                metadata: [
                    "mode": "\(mode)", "check": "all", "dirty_jobs": "\(journal.jobs.count)",
                    "ms": "\(Self.milliseconds(since: started))",
                ])
        } else {
            let checked = try await rebuildDirty(journal, startup: startup)
            let (jobs, batches) = try await restoreMissing(ids: ids, startup: startup)
            logger.info(
                "status files restored",
                metadata: [
                    "mode": "\(mode)", "check": "journal", "dirty_jobs": "\(checked.jobs)",
                    "dirty_batches": "\(checked.batches)", "missing_jobs": "\(jobs)", "missing_batches": "\(batches)",
                    "ms": "\(Self.milliseconds(since: started))",
                ])
        }
    }

    // MARK: - After a clean stop

    /// Writes the status files whose names are missing from `jobs/` and `batches/`. Returns how many.
    @discardableResult
    package func restoreMissing() async throws -> (jobs: Int, batches: Int) {
        let startup = try reads()
        return try await restoreMissing(ids: try await startup.ids(), startup: startup)
    }

    /// `restoreMissing()` with the IDs read already.
    func restoreMissing(ids: (batches: [String], jobs: [String]), startup: StartupReads) async throws -> (
        jobs: Int, batches: Int
    ) {
        let jobNames = Self.fileNames(in: paths.jobs)
        let batchNames = Self.fileNames(in: paths.batches)
        let missingJobs = ids.jobs.filter { !jobNames.contains($0 + ".json") }
        let missingBatches = ids.batches.filter { !batchNames.contains($0 + ".json") }
        let writer = status
        let hooks = try await store.fetchWebhookStates()  // webhook_status (docs/webhooks.md)
        var start = 0
        while start < missingJobs.count {
            let chunk = Array(missingJobs[start..<min(start + 4096, missingJobs.count)])
            let jobs = try await startup.jobs(ids: chunk)
            // Encoded on every core, written from one thread: creating files in one directory serialises on
            // its lock anyway, and a second creating thread only spins on it. Off the cooperative pool.
            await BlockingWork.run("spool.status.rebuild") {
                let encoded = jobs.concurrentMap { job in
                    var doc = StatusProjection.job(job, paths: writer.paths)
                    doc.webhookStatus = hooks[job.id]
                    return (job.id, StatusProjection.encode(doc))
                }
                for (id, data) in encoded { writer.writeNew(data, to: writer.paths.jobStatus(id)) }
            }
            start += chunk.count
        }
        for id in missingBatches {
            guard let batch = try await store.fetchBatch(id: id) else { continue }
            status.write(
                StatusProjection.batch(batch, jobs: try await store.fetchJobs(batchID: id)), to: paths.batchStatus(id))
        }
        return (missingJobs.count, missingBatches.count)
    }

    /// The names in `directory` (readdir only, no stat), hidden ones left out; empty when it cannot be read.
    static func fileNames(in directory: String) -> Set<String> {
        Set((try? DirectoryListing.visibleNames(in: directory)) ?? [])
    }

    // MARK: - After a crash

    /// Every status file that is missing or differs from the database is rewritten.
    ///
    /// Streams the jobs batch by batch (memory stays flat however long the queue), decoding raw columns,
    /// and compares and writes on every core while the next jobs are decoded (`StatusRebuildScan`). The
    /// stream's callbacks wait while two chunks are in flight, and the end waits for them: on SQLite's
    /// start-up connection they run on a `BlockingWork` thread, the end always does.
    package func rebuildAll() async throws {
        let startup = try reads()
        let hooks = try await store.fetchWebhookStates()  // webhook_status (docs/webhooks.md)
        let scan = StatusRebuildScan(writer: status, hooks: hooks)
        try await startup.forEachBatchOfJobs(batches: { scan.noteBatches($0) }) { scan.add(batchID: $0, jobs: $1) }
        let (finished, empty) = await BlockingWork.run("spool.status.rebuild") { scan.finish() }
        for (batch, jobs) in finished { try await status.writeBatch(batch, jobs: jobs, ifChanged: true) }
        for batch in empty { try await status.writeBatch(batch, jobs: [], ifChanged: true) }
    }

    // MARK: - Graceful stop

    /// After the last status write of a graceful stop: flushes the status files to disk, seals the
    /// database and writes the marker (atomically, durably). Any failure leaves no marker, which only
    /// costs the next start a full check.
    package func markCleanShutdown() async {
        let started = ContinuousClock.now
        let paths = paths
        do {
            do {
                try await BlockingWork.run("spool.seal") {
                    try Posix.syncFileSystem(of: paths.jobs)
                    try Posix.syncFileSystem(of: paths.batches)
                }
            } catch {
                logger.warning("status files not flushed; no clean-shutdown marker", metadata: ["error": "\(error)"])
                return
            }
            let seal = try await reads().seal()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try AtomicFile.write(encoder.encode(seal) + Data("\n".utf8), to: paths.cleanShutdownMarker, durable: true)
            logger.info(
                "clean-shutdown marker written",
                metadata: ["jobs": "\(seal.jobs)", "ms": "\(Self.milliseconds(since: started))"])
        } catch {
            logger.warning("clean-shutdown marker not written", metadata: ["error": "\(error)"])
        }
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let d = ContinuousClock.now - start
        return Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    }
}
