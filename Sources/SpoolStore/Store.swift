import Foundation
import GRDB
import SpoolCore

/// The embedded database: the source of truth for batches and jobs.
///
/// Every method is one transaction. Thread-safe: GRDB serialises writes on one connection
/// and runs reads concurrently (WAL).
package final class Store: Sendable {
    let writer: any DatabaseWriter
    /// The node name `startAttempt` stamps on the jobs it starts (`JobRecord.node`): `node_name`, else the
    /// host name, as the daemon opens the store.
    package let node: String

    /// This host's name as a node name: the store's node when none is given.
    package static var hostNode: String { NodeName.fromHostName(ProcessInfo.processInfo.hostName) }

    /// Opens (creating if needed) the database file at `path` (`SpoolPaths.database`) in WAL mode and
    /// migrates it.
    package convenience init(path: String, node: String = Store.hostNode) throws {
        var config = Configuration()
        config.busyMode = .timeout(5)
        let pool = try DatabasePool(path: path, configuration: config)
        // Every commit must reach the disk before a receipt says so (folder-contract §4). GRDB's WAL set-up
        // runs after `prepareDatabase` and sets `synchronous = NORMAL` (WAL fsynced only at checkpoints), so
        // FULL is set here, on the pool's one writer connection, where it stays for the pool's life.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try self.init(writer: pool, node: node)
    }

    /// For tests: any GRDB writer, e.g. an in-memory `DatabaseQueue()`.
    package init(writer: any DatabaseWriter, node: String = Store.hostNode) throws {
        self.writer = writer
        self.node = node
        try Schema.migrator.migrate(writer)
    }

    // MARK: - Batches

    /// What `createBatch` did.
    package enum CreateOutcome: Sendable, Equatable {
        case created(BatchRecord, [JobRecord])
        /// The idempotency key was seen before: the first batch, unchanged.
        case existing(BatchRecord, [JobRecord])
    }

    /// Inserts a batch and its jobs in one transaction, unless its idempotency key or claim is known.
    package func createBatch(_ batch: BatchRecord, jobs: [JobRecord]) throws -> CreateOutcome {
        try createBatches([(batch, jobs)])[0]
    }

    /// `createBatch` for several batches in one transaction (one fsync for a burst of drops); a batch sees
    /// the ones before it, so a repeated idempotency key within the group answers with the first.
    package func createBatches(_ items: [(BatchRecord, [JobRecord])]) throws -> [CreateOutcome] {
        try writer.write { db in try items.map { batch, jobs in try Self.create(batch, jobs: jobs, db) } }
    }

    static func create(_ batch: BatchRecord, jobs: [JobRecord], _ db: Database) throws -> CreateOutcome {
        if let claim = batch.claimName,
            let existing = try BatchRecord.filter(Column("claimName") == claim).fetchOne(db)
        {
            return .existing(existing, try Self.jobs(of: existing.id, db))
        }
        if let key = batch.idempotencyKey,
            let existing = try BatchRecord.filter(Column("idempotencyKey") == key).fetchOne(db)
        {
            return .existing(existing, try Self.jobs(of: existing.id, db))
        }
        try batch.insert(db)
        try Self.insertNew(jobs, db)
        return .created(batch, jobs)
    }

    /// Inserts new (Pending) jobs with one cached statement. The records' Codable path re-encodes every
    /// column and the shared options once per row, which dominated a 100-job ingest; the options are
    /// encoded once per distinct value here, with GRDB's own JSON encoder for the column.
    private static func insertNew(_ jobs: [JobRecord], _ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO job (id, batchId, position, url, filename, folder, options, status, step, attempt,
                                 downloadRetries, createdAt, originalJobId)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        var encoded: (options: JobOptions, json: String)?
        for job in jobs {
            guard job.isFresh else {
                try job.insert(db)  // a record that has run already: every column
                continue
            }
            if encoded?.options != job.options {
                let data = try JobRecord.databaseJSONEncoder(for: "options").encode(job.options)
                encoded = (job.options, String(decoding: data, as: UTF8.self))
            }
            try statement.execute(arguments: [
                job.id, job.batchId, job.position, job.url, job.filename, job.folder, encoded!.json,
                job.status.rawValue, job.step.rawValue, job.attempt, job.downloadRetries, job.createdAt,
                job.originalJobId,
            ])
        }
    }

    package func batch(id: String) throws -> BatchRecord? {
        try writer.read { db in try BatchRecord.fetchOne(db, key: id) }
    }

    package func batch(claimName: String) throws -> BatchRecord? {
        try writer.read { db in try BatchRecord.filter(Column("claimName") == claimName).fetchOne(db) }
    }

    package func batches() throws -> [BatchRecord] {
        try writer.read { db in try BatchRecord.order(Column("createdAt"), Column("id")).fetchAll(db) }
    }

    package func setBatchFinished(id: String, at: Int64?) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE batch SET finishedAt = ? WHERE id = ?", arguments: [at, id])
        }
    }

    // MARK: - Jobs

    package func job(id: String) throws -> JobRecord? {
        try writer.read { db in try Self.job(id: id, db) }
    }

    static func job(id: String, _ db: Database) throws -> JobRecord? { try JobRecord.fetchOne(db, key: id) }

    package func jobs(batchID: String) throws -> [JobRecord] {
        try writer.read { db in try Self.jobs(of: batchID, db) }
    }

    static func jobs(of batchID: String, _ db: Database) throws -> [JobRecord] {
        try JobRecord.filter(Column("batchId") == batchID).order(Column("position")).fetchAll(db)
    }

    /// Jobs waiting to run, oldest batch first, then batch order.
    package func pendingJobs() throws -> [JobRecord] {
        try writer.read { db in
            try JobRecord.filter(Column("status") == JobStatus.pending.rawValue)
                .order(Column("createdAt"), Column("batchId"), Column("position")).fetchAll(db)
        }
    }

    /// The scheduler's candidates without loading the queue: the first Pending job (lowest position)
    /// of every unfinished batch, skipping `excluding` (jobs already handed to a runner). Ordered by
    /// creation, then batch, then position, like `pendingJobs`.
    ///
    /// One index seek per unfinished batch on (batchId, position), so the cost follows the number of
    /// batches, not of queued jobs; a queue of 100,000 jobs is never decoded to pick one.
    ///
    /// `live` keeps only live recordings (`true`) or only other jobs (`false`), so a scheduler with only
    /// one kind of slot free decodes nothing of the other kind.
    package func pendingHeads(excluding: Set<String> = [], live: Bool? = nil) throws -> [JobRecord] {
        try writer.read { db in try Self.pendingHeads(excluding: excluding, live: live, db) }
    }

    static func pendingHeads(excluding: Set<String>, live: Bool?, _ db: Database) throws -> [JobRecord] {
        let skip = excluding.isEmpty ? "" : " AND j.id NOT IN (\(databaseQuestionMarks(count: excluding.count)))"
        // Options are the batch's (retries copy them), so the head alone says which kind a batch is.
        let kind = live.map { " AND json_extract(job.options, '$.live_recording') = \($0 ? 1 : 0)" } ?? ""
        let sql = """
            SELECT job.* FROM batch JOIN job ON job.id = (
                SELECT j.id FROM job AS j WHERE j.batchId = batch.id AND j.status = 'Pending'\(skip)
                ORDER BY j.position LIMIT 1)
            WHERE batch.finishedAt IS NULL\(kind)
            ORDER BY job.createdAt, job.batchId, job.position
            """
        return try JobRecord.fetchAll(db, sql: sql, arguments: StatementArguments(Array(excluding)))
    }

    /// Job counts by status, without decoding a single job.
    package func jobCounts() throws -> [JobStatus: Int] {
        try writer.read { db in
            var counts: [JobStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM job GROUP BY status") {
                if let status = JobStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    /// Jobs waiting to run: Pending, plus retries waiting for their time. One COUNT, no decoding.
    package func queueDepth() throws -> Int {
        try writer.read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM job WHERE status = 'Pending' OR (status = 'Processing' AND step = 'Waiting')"
            ) ?? 0
        }
    }

    package func jobs(status: JobStatus) throws -> [JobRecord] {
        try writer.read { db in try Self.jobs(status: status, db) }
    }

    static func jobs(status: JobStatus, _ db: Database) throws -> [JobRecord] {
        try JobRecord.filter(Column("status") == status.rawValue).order(Column("createdAt")).fetchAll(db)
    }

    package func allJobs() throws -> [JobRecord] {
        try writer.read { db in try JobRecord.order(Column("createdAt"), Column("position")).fetchAll(db) }
    }

    /// Saves a job's new state. Refuses to change a job that is already terminal in the database,
    /// so a late write from a stopped runner can never undo a cancel.
    @discardableResult
    package func save(_ job: JobRecord) throws -> Bool {
        try writer.write { db in try Self.save(job, db) }
    }

    static func save(_ job: JobRecord, _ db: Database) throws -> Bool {
        guard let current = try JobRecord.fetchOne(db, key: job.id) else { return false }
        if current.status.isTerminal { return current == job }
        try job.update(db)
        return true
    }

    /// Atomically moves a Pending (or retry-waiting) job to Processing; nil when it cannot start.
    package func startJob(id: String, at now: Int64) throws -> JobRecord? {
        try writer.write { [node] db in try Self.startJob(id: id, at: now, node: node, db) }
    }

    static func startJob(id: String, at now: Int64, node: String, _ db: Database) throws -> JobRecord? {
        guard var job = try JobRecord.fetchOne(db, key: id) else { return nil }
        // A Pending job starts; a job waiting for its retry resumes downloading.
        let isRetry = job.status == .processing && job.step == .waiting
        guard let next = job.state.apply(isRetry ? .step(.downloading) : .start) else { return nil }
        job.state = next
        job.attempt += 1
        if job.startedAt == nil {
            job.startedAt = now
            job.queueWaitMs = max(0, now - job.createdAt)
        }
        job.nextRetryAt = nil
        job.progress = nil
        job.node = node
        try job.update(db)
        return job
    }

    /// Crash or shutdown recovery: every Processing job goes back to Pending. Returns their IDs.
    package func requeueInterrupted() throws -> [String] {
        try writer.write { db in
            let running = try JobRecord.filter(Column("status") == JobStatus.processing.rawValue).fetchAll(db)
            for var job in running {
                job.state = .queued
                job.progress = nil
                job.nextRetryAt = nil
                job.node = nil
                try job.update(db)
            }
            return running.map(\.id)
        }
    }

    /// Appends retry jobs to their batch (positions after the last) in one transaction.
    package func appendJobs(_ jobs: [JobRecord], toBatch batchID: String) throws -> [JobRecord] {
        try writer.write { db in try Self.appendJobs(jobs, toBatch: batchID, db) }
    }

    /// `appendJobs`' transaction body, shared with the async `StoreEngine` face.
    static func appendJobs(_ jobs: [JobRecord], toBatch batchID: String, _ db: Database) throws -> [JobRecord] {
        let last = try Int.fetchOne(db, sql: "SELECT MAX(position) FROM job WHERE batchId = ?", arguments: [batchID])
        var next = (last ?? -1) + 1
        var inserted: [JobRecord] = []
        for var job in jobs {
            job.position = next
            next += 1
            try job.insert(db)
            inserted.append(job)
        }
        try db.execute(sql: "UPDATE batch SET finishedAt = NULL WHERE id = ?", arguments: [batchID])
        return inserted
    }

    /// The jobs with these IDs (in chunks of 500 bound parameters), in no particular order.
    static func fetchJobs(ids: [String], _ db: Database) throws -> [JobRecord] {
        var found: [JobRecord] = []
        found.reserveCapacity(ids.count)
        var start = 0
        while start < ids.count {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            let sql = "SELECT * FROM job WHERE id IN (\(databaseQuestionMarks(count: chunk.count)))"
            found += try JobRecord.fetchAll(db, sql: sql, arguments: StatementArguments(chunk))
            start += 500
        }
        return found
    }
}

extension JobRecord {
    /// Nothing set beyond what a new job has: the columns `insertNew` leaves NULL are NULL.
    fileprivate var isFresh: Bool {
        startedAt == nil && finishedAt == nil && nextRetryAt == nil && queueWaitMs == nil && error == nil
            && errorType == nil && result == nil && progress == nil && node == nil
    }
}
