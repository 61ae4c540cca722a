import Foundation
import GRDB
import SpoolCore

/// The SQLite engine of `StoreEngine`: the same transactions as the synchronous API, through GRDB's async
/// `read`/`write` (each in a task nothing cancels, as in `Store+JobStore`).
///
/// The service calls these (docs/cluster.md); the synchronous methods stay for commands and tests. The SQL
/// here repeats theirs, and the conformance suite checks both engines agree.
extension Store: StoreEngine {
    package func insertBatches(_ items: [(BatchRecord, [JobRecord])]) async throws -> [CreateOutcome] {
        try await write { db in try items.map { batch, jobs in try Self.create(batch, jobs: jobs, db) } }
    }

    package func fetchBatch(id: String) async throws -> BatchRecord? {
        try await read { db in try BatchRecord.fetchOne(db, key: id) }
    }

    package func fetchBatch(claimName: String) async throws -> BatchRecord? {
        try await read { db in try BatchRecord.filter(Column("claimName") == claimName).fetchOne(db) }
    }

    package func fetchBatches() async throws -> [BatchRecord] {
        try await read { db in try BatchRecord.order(Column("createdAt"), Column("id")).fetchAll(db) }
    }

    package func finishBatch(id: String, at: Int64?) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE batch SET finishedAt = ? WHERE id = ?", arguments: [at, id])
        }
    }

    package func fetchJobs(batchID: String) async throws -> [JobRecord] {
        try await read { db in try Self.jobs(of: batchID, db) }
    }

    package func fetchJobs(ids: [String]) async throws -> [JobRecord] {
        guard !ids.isEmpty else { return [] }
        return try await read { db in try Store.fetchJobs(ids: ids, db) }
    }

    package func fetchAllJobs() async throws -> [JobRecord] {
        try await read { db in try JobRecord.order(Column("createdAt"), Column("position")).fetchAll(db) }
    }

    package func fetchPendingJobs() async throws -> [JobRecord] {
        try await read { db in
            try JobRecord.filter(Column("status") == JobStatus.pending.rawValue)
                .order(Column("createdAt"), Column("batchId"), Column("position")).fetchAll(db)
        }
    }

    package func countJobsByStatus() async throws -> [JobStatus: Int] {
        try await read { db in
            var counts: [JobStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM job GROUP BY status") {
                if let status = JobStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    package func countQueuedJobs() async throws -> Int {
        try await read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM job WHERE status = 'Pending' OR (status = 'Processing' AND step = 'Waiting')"
            ) ?? 0
        }
    }

    package func appendRetryJobs(_ jobs: [JobRecord], toBatch batchID: String) async throws -> [JobRecord] {
        try await write { db in try Self.appendJobs(jobs, toBatch: batchID, db) }
    }

    package func requeueProcessingJobs() async throws -> [String] {
        try await write { db in
            let running = try Self.jobs(status: .processing, db)
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

    package func fetchAllIDs() async throws -> (batches: [String], jobs: [String]) {
        try await read { db in
            (try String.fetchAll(db, sql: "SELECT id FROM batch"), try String.fetchAll(db, sql: "SELECT id FROM job"))
        }
    }

    package func streamBatchesOfJobs(
        batches: @escaping @Sendable ([BatchRecord]) throws -> Void,
        _ body: @escaping @Sendable (String, [JobRecord]) throws -> Void
    ) async throws {
        try await read { db in
            try batches(try BatchRecord.order(Column("createdAt"), Column("id")).fetchAll(db))
            try Startup.forEachBatch(
                of: try JobRecord.fetchCursor(db, sql: "SELECT * FROM job ORDER BY batchId, position"), body)
        }
    }

    package func sealCleanShutdown() async throws -> Seal {
        try await write { db in
            let token = UUID().uuidString.lowercased()
            try db.execute(sql: "DELETE FROM startup_seal")
            try db.execute(sql: "INSERT INTO startup_seal (id, token) VALUES (1, ?)", arguments: [token])
            return try Startup.current(token: token, db)
        }
    }

    package func unsealCleanShutdown() async throws -> Seal? {
        try await write { db in
            guard let token = try String.fetchOne(db, sql: "SELECT token FROM startup_seal WHERE id = 1") else {
                return nil
            }
            try db.execute(sql: "DELETE FROM startup_seal")
            return try Startup.current(token: token, db)
        }
    }
}
