import Foundation
import PostgresNIO

/// What `spool doctor` checks of a PostgreSQL database: its version, its clock and the schema's migrations.
extension PostgresStore {
    package struct ServerFacts: Sendable, Equatable {
        /// `SHOW server_version`, e.g. `17.2 (Debian 17.2-1)`.
        package var serverVersion: String
        /// The database clock (`clock_timestamp()`: `now()` is the transaction's start) minus this machine's, in
        /// seconds (positive: the database is ahead), measured at
        /// the midpoint of the query's round trip.
        package var clockSkewSeconds: Double
        /// Versions recorded in `schema_migrations`, ascending; empty before the first migration.
        package var appliedMigrations: [Int]
        /// Versions this build knows (`PostgresSchema.migrations`).
        package var knownMigrations: [Int]
    }

    /// Reads the facts without changing anything (no migration is applied).
    package func serverFacts() async throws -> ServerFacts {
        let known = PostgresSchema.migrations.map(\.version)
        return try await transaction { connection, logger in
            var version = ""
            for try await text in try await connection.query("SHOW server_version", logger: logger).decode(String.self)
            {
                version = text
            }
            let before = Date().timeIntervalSince1970
            var databaseNow = before
            for try await epoch in try await connection.query(
                "SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8", logger: logger
            ).decode(Double.self) {
                databaseNow = epoch
            }
            let after = Date().timeIntervalSince1970
            var exists = false
            for try await found in try await connection.query(
                "SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger
            ).decode(Bool.self) {
                exists = found
            }
            var applied: [Int] = []
            if exists {
                for try await number in try await connection.query(
                    "SELECT version FROM schema_migrations ORDER BY version", logger: logger
                ).decode(Int.self) {
                    applied.append(number)
                }
            }
            return ServerFacts(
                serverVersion: version, clockSkewSeconds: databaseNow - (before + after) / 2,
                appliedMigrations: applied, knownMigrations: known)
        }
    }
}
