import Logging
import PostgresNIO
import SpoolCore
import SpoolStore

/// The PostgreSQL engine of `StoreEngine` (postgres-nio): the cluster's shared store.
///
/// Every method is one transaction on a pooled connection. Rows travel as `CanonicalRow`s (every column
/// as text, cast to its SQL type on insert), the one form both engines share, so the copy from SQLite
/// and the record decoding are the same code. The `PostgresClient` must be running (`run()`, a
/// ServiceLifecycle service) for as long as the store is used; `withStore` does that for a command.
package final class PostgresStore: Sendable {
    package let client: PostgresClient
    let logger: Logger
    /// The node name `startAttempt` stamps on the jobs it starts (`JobRecord.node`), as `Store.node`.
    package let node: String

    package init(client: PostgresClient, logger: Logger, node: String = Store.hostNode) {
        self.client = client
        self.logger = logger
        self.node = node
    }

    /// Runs `body` with a store on a client of its own, started before and stopped after; migrates first
    /// when `migrate` is true. Connects once first (`checkConnection`), so a wrong password or an
    /// unreachable server fails at once with the server's reason.
    package static func withStore<T: Sendable>(
        url: PostgresURL, logger: Logger, migrate: Bool = true,
        _ body: @escaping @Sendable (PostgresStore) async throws -> T
    ) async throws -> T {
        try await checkConnection(url: url, logger: logger)
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        let store = PostgresStore(client: client, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            if migrate { try await store.migrate() }
            return try await body(store)
        }
    }

    /// Opens one connection and closes it: the pool would keep retrying a refused login in the
    /// background (its requests fail only when its circuit breaker trips, without the reason).
    package static func checkConnection(url: PostgresURL, logger: Logger) async throws {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try url.connectionConfiguration(), id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw PostgresStoreError.wrap(error)
        }
    }

    // MARK: - Migrations

    /// Applies the migrations not yet recorded in `schema_migrations` (up to `through`: tests of an upgrade
    /// stop at an older version), each with its record, under an advisory lock; returns the versions it applied.
    @discardableResult
    package func migrate(through last: Int = .max) async throws -> [Int] {
        try await transaction { connection, logger in
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied: Set<Int> = []
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger)
                .decode(Int.self)
            {
                applied.insert(version)
            }
            var done: [Int] = []
            for migration in PostgresSchema.migrations
            where !applied.contains(migration.version) && migration.version <= last {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
                done.append(migration.version)
            }
            return done
        }
    }

    /// The migration versions recorded in the database, ascending.
    package func appliedMigrations() async throws -> [Int] {
        try await transaction { connection, logger in
            var versions: [Int] = []
            let rows = try await connection.query(
                "SELECT version FROM schema_migrations ORDER BY version", logger: logger)
            for try await version in rows.decode(Int.self) { versions.append(version) }
            return versions
        }
    }

    // MARK: - Transactions and rows

    /// Runs `body` in a transaction, in a task of its own that nothing cancels (a stopping attempt records
    /// its end from its cancelled task, as with `Store`); postgres-nio's errors come out as
    /// `PostgresStoreError`. A cancelled caller waits at most `cancelGrace` seconds for it: requests have been
    /// seen never to return after the server went down and came back, and a stopping service waiting on one
    /// kept the process from ending (docs/cluster.md, "Status files from several nodes").
    func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let client = client
        let logger = logger
        return try await StoreDeadline.finishing(graceAfterCancel: Self.cancelGrace) {
            do {
                return try await client.withTransaction(logger: logger) { connection in
                    try await body(connection, logger)
                }
            } catch {
                throw PostgresStoreError.wrap(error)
            }
        }
    }

    /// Seconds a cancelled caller still waits for its transaction (a shutdown's last saves take milliseconds).
    static let cancelGrace = 2.0

    /// Every row of `query`, each column read as text (the query selects `…::text`).
    static func rows(
        _ query: PostgresQuery, on connection: PostgresConnection, logger: Logger
    ) async throws -> [CanonicalRow] {
        var rows: [CanonicalRow] = []
        for try await row in try await connection.query(query, logger: logger) {
            rows.append(CanonicalRow(try row.map { try $0.decode(String?.self) }))
        }
        return rows
    }

    /// Jobs selected with `where` (SQL after `FROM job`; binds in `binds`).
    static func jobs(
        _ tail: String, binds: PostgresBindings = PostgresBindings(), on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [JobRecord] {
        let sql = "SELECT \(PostgresSchema.selectList(PostgresSchema.jobColumns, prefix: "job.")) FROM job \(tail)"
        return try await rows(PostgresQuery(unsafeSQL: sql, binds: binds), on: connection, logger: logger)
            .map { try JobRecord(canonical: $0) }
    }

    static func batches(
        _ tail: String, binds: PostgresBindings = PostgresBindings(), on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [BatchRecord] {
        let sql = "SELECT \(PostgresSchema.selectList(PostgresSchema.batchColumns)) FROM batch \(tail)"
        return try await rows(PostgresQuery(unsafeSQL: sql, binds: binds), on: connection, logger: logger)
            .map { try BatchRecord(canonical: $0) }
    }

    /// Inserts canonical rows into `table` (`batch`, `job` or `webhook`), several per statement; `conflict` is
    /// appended (e.g. `ON CONFLICT DO NOTHING RETURNING id`) and the returned first column is collected.
    @discardableResult
    static func insert(
        _ rows: [CanonicalRow], into table: String, conflict: String = "", on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [String] {
        let (columns, types) =
            switch table {
            case "job": (PostgresSchema.jobColumns, PostgresSchema.jobTypes)
            case "webhook": (PostgresSchema.webhookColumns, PostgresSchema.webhookTypes)
            default: (PostgresSchema.batchColumns, PostgresSchema.batchTypes)
            }
        var returned: [String] = []
        // 500 rows of 21 columns stay well under the protocol's 65,535 binds.
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(start + 500, rows.count)]
            var binds = PostgresBindings(capacity: chunk.count * columns.count)
            var tuples: [String] = []
            for row in chunk {
                var cells: [String] = []
                for (index, value) in row.values.enumerated() {
                    binds.append(value)
                    cells.append("$\(binds.count)::\(types[index])")
                }
                tuples.append("(" + cells.joined(separator: ", ") + ")")
            }
            let sql =
                "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", ")) \(conflict)"
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            {
                if let first = try row.first?.decode(String.self) { returned.append(first) }
            }
            start += 500
        }
        return returned
    }
}

extension PostgresStore {
    /// Inserts canonical rows as they are, every column, with no lookup first: for tests of the schema's
    /// own constraints (a duplicate or invalid row is refused by PostgreSQL).
    package func insertCanonicalRows(batches: [CanonicalRow], jobs: [CanonicalRow]) async throws {
        try await transaction { connection, logger in
            try await Self.insert(batches, into: "batch", on: connection, logger: logger)
            try await Self.insert(jobs, into: "job", on: connection, logger: logger)
        }
    }
}
