import Foundation
import GRDB
import SpoolCore

extension Store {
    /// What identifies the database at a clean stop: a random token kept in the database itself, plus
    /// the row counts and highest rowids of both tables. `state/clean-shutdown` holds a copy; start-up
    /// trusts the status files only when the copy equals what the database says now, and removes the
    /// token from the database before anything else runs, so no later write can ever match it again.
    package struct Seal: Codable, Sendable, Equatable {
        package var token: String
        package var jobs: Int
        package var maxJobRowID: Int64
        package var batches: Int
        package var maxBatchRowID: Int64

        package init(token: String, jobs: Int, maxJobRowID: Int64, batches: Int, maxBatchRowID: Int64) {
            self.token = token
            self.jobs = jobs
            self.maxJobRowID = maxJobRowID
            self.batches = batches
            self.maxBatchRowID = maxBatchRowID
        }
    }

    /// Start-up and shutdown access to the database file on a connection of its own (the store's
    /// connections are private to it): the clean-shutdown seal, IDs without decoding records, and a
    /// streaming read of every job (rows decoded by `JobRecord.init(row:)`).
    ///
    /// Open it while the service's `Store` is open (which set WAL mode and ran the migrations) and only
    /// while nothing else writes, i.e. during recovery or after every task has stopped.
    package final class Startup: Sendable {
        let queue: DatabaseQueue

        /// `path` is the database file the service's `Store` opened (`SpoolPaths.database`).
        package init(path: String) throws {
            var config = Configuration()
            config.busyMode = .timeout(5)
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            queue = try DatabaseQueue(path: path, configuration: config)
        }

        // MARK: - Seal

        /// The clean stop: stores a fresh token (one durable transaction) and returns the seal to copy into
        /// the marker file. Call it after the last write of the run, once the status files are flushed: it
        /// also empties the status journal (every file is complete and on disk).
        package func seal() throws -> Seal {
            try queue.write { db in
                let token = UUID().uuidString.lowercased()
                try db.execute(sql: "DELETE FROM status_dirty")
                try db.execute(sql: "DELETE FROM startup_seal")
                try db.execute(sql: "INSERT INTO startup_seal (id, token) VALUES (1, ?)", arguments: [token])
                return try Self.current(token: token, db)
            }
        }

        /// Start-up: the seal the database holds now (nil when it holds no token), and the token removed in
        /// the same transaction, so whatever this run writes, the old marker can never be valid again.
        package func unseal() throws -> Seal? {
            try queue.write { db in
                guard let token = try String.fetchOne(db, sql: "SELECT token FROM startup_seal WHERE id = 1")
                else { return nil }
                try db.execute(sql: "DELETE FROM startup_seal")
                return try Self.current(token: token, db)
            }
        }

        static func current(token: String, _ db: Database) throws -> Seal {
            let jobs = try Row.fetchOne(db, sql: "SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM job")!
            let batches = try Row.fetchOne(db, sql: "SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM batch")!
            return Seal(
                token: token, jobs: jobs[0], maxJobRowID: jobs[1], batches: batches[0], maxBatchRowID: batches[1])
        }

        // MARK: - IDs

        /// Every batch ID and every job ID (one read transaction, nothing decoded but the IDs).
        package func ids() throws -> (batches: [String], jobs: [String]) {
            try queue.read { db in
                (
                    try String.fetchAll(db, sql: "SELECT id FROM batch"),
                    try String.fetchAll(db, sql: "SELECT id FROM job")
                )
            }
        }

        // MARK: - Jobs, raw

        /// Every batch, and every job grouped by batch in position order, from one read transaction (a
        /// consistent snapshot); `body` gets one batch's jobs at a time, so memory stays flat. The same
        /// records as the store's own reads. `body` must not use the store.
        package func forEachBatchOfJobs(
            batches: ([BatchRecord]) throws -> Void, _ body: (String, [JobRecord]) throws -> Void
        ) throws {
            try queue.read { db in
                try batches(try BatchRecord.order(Column("createdAt"), Column("id")).fetchAll(db))
                try Self.forEachBatch(
                    of: try JobRecord.fetchCursor(db, sql: "SELECT * FROM job ORDER BY batchId, position"), body)
            }
        }

        /// Hands `jobs` (ordered by batch, then position) to `body` one batch at a time.
        static func forEachBatch(
            of jobs: RecordCursor<JobRecord>, _ body: (String, [JobRecord]) throws -> Void
        ) throws {
            var current: String?
            var group: [JobRecord] = []
            while let job = try jobs.next() {
                if job.batchId != current {
                    if let current { try body(current, group) }
                    current = job.batchId
                    group = []
                    group.reserveCapacity(128)
                }
                group.append(job)
            }
            if let current { try body(current, group) }
        }

        /// The jobs with these IDs (any order), decoded like `forEachBatchOfJobs`.
        package func jobs(ids: [String]) throws -> [JobRecord] {
            guard !ids.isEmpty else { return [] }
            return try queue.read { db in try Store.fetchJobs(ids: ids, db) }
        }
    }
}
