import Foundation
import PostgresNIO
import SpoolCore
import SpoolStore

/// Batches, start-up reads and the clean-shutdown seal.
extension PostgresStore {
    package func insertBatches(_ items: [(BatchRecord, [JobRecord])]) async throws -> [Store.CreateOutcome] {
        let rows = try items.map { batch, jobs in (batch, jobs, try jobs.map { try $0.canonicalRow() }) }
        return try await transaction { connection, logger in
            var outcomes: [Store.CreateOutcome] = []
            for (batch, jobs, jobRows) in rows {
                // The unique claim name and idempotency key decide, in the database: a batch that loses a
                // race with another node's insert is answered with the winner, never inserted twice.
                let inserted = try await Self.insert(
                    [batch.canonicalRow], into: "batch", conflict: "ON CONFLICT DO NOTHING RETURNING id",
                    on: connection, logger: logger)
                if inserted.isEmpty {
                    guard let existing = try await Self.existing(batch, on: connection, logger: logger) else {
                        throw PostgresStoreError(message: "batch \(batch.id) exists already")
                    }
                    let jobs = try await Self.jobs(
                        "WHERE batch_id = $1 ORDER BY position", binds: Self.binds(existing.id), on: connection,
                        logger: logger)
                    outcomes.append(.existing(existing, jobs))
                    continue
                }
                try await Self.insert(jobRows, into: "job", on: connection, logger: logger)
                outcomes.append(.created(batch, jobs))
            }
            if outcomes.contains(where: { if case .created = $0 { true } else { false } }) {
                try await Self.notifyJobs(on: connection, logger: logger)
            }
            return outcomes
        }
    }

    /// The batch that holds `batch`'s claim name, else its idempotency key.
    private static func existing(
        _ batch: BatchRecord, on connection: PostgresConnection, logger: Logger
    ) async throws -> BatchRecord? {
        if let claim = batch.claimName,
            let found = try await batches("WHERE claim_name = $1", binds: binds(claim), on: connection, logger: logger)
                .first
        {
            return found
        }
        if let key = batch.idempotencyKey {
            return try await batches("WHERE idempotency_key = $1", binds: binds(key), on: connection, logger: logger)
                .first
        }
        return nil
    }

    package func fetchBatch(id: String) async throws -> BatchRecord? {
        try await transaction { connection, logger in
            try await Self.batches("WHERE id = $1", binds: Self.binds(id), on: connection, logger: logger).first
        }
    }

    package func fetchBatch(claimName: String) async throws -> BatchRecord? {
        try await transaction { connection, logger in
            try await Self.batches(
                "WHERE claim_name = $1", binds: Self.binds(claimName), on: connection, logger: logger
            )
            .first
        }
    }

    package func fetchBatches() async throws -> [BatchRecord] {
        try await transaction { connection, logger in
            try await Self.batches("ORDER BY created_at, id", on: connection, logger: logger)
        }
    }

    package func finishBatch(id: String, at: Int64?) async throws {
        try await transaction { connection, logger in
            try await connection.query("UPDATE batch SET finished_at = \(at) WHERE id = \(id)", logger: logger)
        }
    }

    // MARK: - Start-up

    package func fetchAllIDs() async throws -> (batches: [String], jobs: [String]) {
        try await snapshot { connection, logger in
            var batches: [String] = []
            for try await id in try await connection.query("SELECT id FROM batch", logger: logger).decode(String.self) {
                batches.append(id)
            }
            var jobs: [String] = []
            for try await id in try await connection.query("SELECT id FROM job", logger: logger).decode(String.self) {
                jobs.append(id)
            }
            return (batches, jobs)
        }
    }

    package func streamBatchesOfJobs(
        batches: @escaping @Sendable ([BatchRecord]) throws -> Void,
        _ body: @escaping @Sendable (String, [JobRecord]) throws -> Void
    ) async throws {
        try await snapshot { connection, logger in
            try batches(try await Self.batches("ORDER BY created_at, id", on: connection, logger: logger))
            let sql =
                "SELECT \(PostgresSchema.selectList(PostgresSchema.jobColumns)) FROM job ORDER BY batch_id, position"
            var current: String?
            var group: [JobRecord] = []
            // Rows stream from the server: memory holds one batch of jobs at a time.
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                let job = try JobRecord(canonical: CanonicalRow(try row.map { try $0.decode(String?.self) }))
                if job.batchId != current {
                    if let current { try body(current, group) }
                    current = job.batchId
                    group = []
                }
                group.append(job)
            }
            if let current { try body(current, group) }
        }
    }

    package func sealCleanShutdown() async throws -> Store.Seal {
        try await transaction { connection, logger in
            let token = UUID().uuidString.lowercased()
            try await connection.query("DELETE FROM startup_seal", logger: logger)
            try await connection.query("INSERT INTO startup_seal (id, token) VALUES (1, \(token))", logger: logger)
            return try await Self.seal(token: token, on: connection, logger: logger)
        }
    }

    package func unsealCleanShutdown() async throws -> Store.Seal? {
        try await transaction { connection, logger in
            var token: String?
            let rows = try await connection.query("SELECT token FROM startup_seal WHERE id = 1", logger: logger)
            for try await value in rows.decode(String.self) { token = value }
            guard let token else { return nil }
            try await connection.query("DELETE FROM startup_seal", logger: logger)
            return try await Self.seal(token: token, on: connection, logger: logger)
        }
    }

    /// The seal's counts; `seq` stands for SQLite's rowid.
    private static func seal(token: String, on connection: PostgresConnection, logger: Logger) async throws
        -> Store.Seal
    {
        var seal = Store.Seal(token: token, jobs: 0, maxJobRowID: 0, batches: 0, maxBatchRowID: 0)
        let sql: PostgresQuery = """
            SELECT (SELECT COUNT(*) FROM job), (SELECT COALESCE(MAX(seq), 0) FROM job),
                   (SELECT COUNT(*) FROM batch), (SELECT COALESCE(MAX(seq), 0) FROM batch)
            """
        for try await (jobs, maxJob, batches, maxBatch) in try await connection.query(sql, logger: logger)
            .decode((Int, Int64, Int, Int64).self)
        {
            seal = Store.Seal(token: token, jobs: jobs, maxJobRowID: maxJob, batches: batches, maxBatchRowID: maxBatch)
        }
        return seal
    }

    /// A read-only transaction on one snapshot (REPEATABLE READ), for reads that span several queries.
    func snapshot<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        try await transaction { connection, logger in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            return try await body(connection, logger)
        }
    }

    static func binds(_ values: String...) -> PostgresBindings {
        var binds = PostgresBindings(capacity: values.count)
        for value in values { binds.append(value) }
        return binds
    }
}
