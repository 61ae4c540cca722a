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

    private var store: Store { status.store }
    private var paths: SpoolPaths { status.paths }

    package init(status: StatusWriter, logger: Logger) {
        self.status = status
        self.logger = logger
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
    package func consumeMarker() -> Marker {
        let path = paths.cleanShutdownMarker
        let onDisk = FileManager.default.contents(atPath: path)
        var removed = true
        if onDisk != nil {
            removed = unlink(path) == 0 || errno == ENOENT
            removed = removed && (try? Posix.fsyncDirectory(paths.state)) != nil
        }
        let sealed: Store.Seal?
        do {
            sealed = try Store.Startup(path: paths.database).unseal()
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
    package func rebuild(marker: Marker) throws {
        let started = ContinuousClock.now
        let startup = try Store.Startup(path: paths.database)
        let journal = try startup.statusJournal()
        let ids = try startup.ids()
        let mode = marker == .valid ? "clean-restart" : marker == .absent ? "no-marker" : "stale-marker"
        if Self.checksEverything(dirtyJobs: journal.jobs.count, jobs: ids.jobs.count) {
            try rebuildAll()
            logger.info(
                "status files verified",
                metadata: [
                    "mode": "\(mode)", "check": "all", "dirty_jobs": "\(journal.jobs.count)",
                    "ms": "\(Self.milliseconds(since: started))",
                ])
        } else {
            let checked = try rebuildDirty(journal, startup: startup)
            let (jobs, batches) = try restoreMissing(ids: ids, startup: startup)
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
    package func restoreMissing() throws -> (jobs: Int, batches: Int) {
        let startup = try Store.Startup(path: paths.database)
        return try restoreMissing(ids: try startup.ids(), startup: startup)
    }

    /// `restoreMissing()` with the IDs read already.
    func restoreMissing(ids: (batches: [String], jobs: [String]), startup: Store.Startup) throws -> (
        jobs: Int, batches: Int
    ) {
        let jobNames = Self.fileNames(in: paths.jobs)
        let batchNames = Self.fileNames(in: paths.batches)
        let missingJobs = ids.jobs.filter { !jobNames.contains($0 + ".json") }
        let missingBatches = ids.batches.filter { !batchNames.contains($0 + ".json") }
        let writer = status
        let hooks = try store.webhookStates()  // webhook_status (docs/webhooks.md)
        var start = 0
        while start < missingJobs.count {
            let chunk = Array(missingJobs[start..<min(start + 4096, missingJobs.count)])
            let jobs = try startup.jobs(ids: chunk)
            // Encoded on every core, written from one thread: creating files in one directory serialises on
            // its lock anyway, and a second creating thread only spins on it.
            let encoded = jobs.concurrentMap { job in
                var doc = StatusProjection.job(job, paths: writer.paths)
                doc.webhookStatus = hooks[job.id]
                return (job.id, StatusProjection.encode(doc))
            }
            for (id, data) in encoded { status.writeNew(data, to: paths.jobStatus(id)) }
            start += chunk.count
        }
        for id in missingBatches {
            guard let batch = try store.batch(id: id) else { continue }
            status.write(StatusProjection.batch(batch, jobs: try store.jobs(batchID: id)), to: paths.batchStatus(id))
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
    /// and compares and writes on every core while the next jobs are decoded. Blocks the calling thread
    /// (it waits for its chunks): async code calls it through `BlockingWork`, as the daemon's recovery does.
    package func rebuildAll() throws {
        let startup = try Store.Startup(path: paths.database)
        var batches: [String: BatchRecord] = [:]
        let queue = DispatchQueue(label: "spool.status.rebuild", attributes: .concurrent)
        let group = DispatchGroup()
        // At most two chunks in flight: one being written while the next is decoded.
        let inFlight = DispatchSemaphore(value: 2)
        let finished = LockedBox<[(BatchRecord, [JobRecord])]>([])
        var seen = Set<String>()
        var pending: [(BatchRecord, [JobRecord])] = []
        var pendingJobs = 0
        let writer = status
        let hooks = try store.webhookStates()  // webhook_status (docs/webhooks.md)

        func flush(_ chunk: [(BatchRecord, [JobRecord])]) {
            guard !chunk.isEmpty else { return }
            inFlight.wait()
            queue.async(group: group) {
                defer { inFlight.signal() }
                let jobs = chunk.flatMap(\.1)
                jobs.concurrentForEach { job in
                    var doc = StatusProjection.job(job, paths: writer.paths)
                    doc.webhookStatus = hooks[job.id]
                    writer.write(doc, to: writer.paths.jobStatus(job.id), ifChanged: true)
                }
                for (batch, jobs) in chunk {
                    let done = !jobs.isEmpty && jobs.allSatisfy { $0.status.isTerminal }
                    if done && batch.finishedAt == nil {
                        // Recorded in the store after the scan (no write inside the read).
                        finished.withLock { $0.append((batch, jobs)) }
                    } else {
                        writer.write(
                            StatusProjection.batch(batch, jobs: jobs), to: writer.paths.batchStatus(batch.id),
                            ifChanged: true)
                    }
                }
            }
        }

        try startup.forEachBatchOfJobs(batches: { all in
            for batch in all { batches[batch.id] = batch }
        }) { batchID, jobs in
            seen.insert(batchID)
            guard let batch = batches[batchID] else { return }
            pending.append((batch, jobs))
            pendingJobs += jobs.count
            if pendingJobs >= 2048 {
                flush(pending)
                pending = []
                pendingJobs = 0
            }
        }
        flush(pending)
        group.wait()
        for (batch, jobs) in finished.withLock({ $0 }) { try status.writeBatch(batch, jobs: jobs, ifChanged: true) }
        for (id, batch) in batches where !seen.contains(id) { try status.writeBatch(batch, jobs: [], ifChanged: true) }
    }

    // MARK: - Graceful stop

    /// After the last status write of a graceful stop: flushes the status files to disk, seals the
    /// database and writes the marker (atomically, durably). Any failure leaves no marker, which only
    /// costs the next start a full check.
    package func markCleanShutdown() {
        let started = ContinuousClock.now
        do {
            do {
                try Posix.syncFileSystem(of: paths.jobs)
                try Posix.syncFileSystem(of: paths.batches)
            } catch {
                logger.warning("status files not flushed; no clean-shutdown marker", metadata: ["error": "\(error)"])
                return
            }
            let seal = try Store.Startup(path: paths.database).seal()
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
