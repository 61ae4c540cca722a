import Logging
import PostgresNIO
import SpoolStore

/// `ClusterRescue` on PostgreSQL: the node rules of PostgresStore+Nodes and +Leases, and the status
/// rebuild's advisory lock.
extension PostgresStore: ClusterRescue {
    /// The key of the session-level advisory lock held around a node's start-up status rebuild.
    static let statusRebuildLock: Int64 = 0x5350_4F4F_4C02  // "SPOOL" 2

    package func fetchLostNodes() async throws -> [String] {
        try await transaction { connection, logger in
            var names: [String] = []
            let rows = try await connection.query(
                "SELECT name FROM node WHERE state = 'lost' ORDER BY name", logger: logger)
            for try await name in rows.decode(String.self) { names.append(name) }
            return names
        }
    }

    /// A session lock on one pooled connection for the whole of `body` (which uses other connections):
    /// a transaction lock would hold a transaction open for the rebuild's length. If the connection dies,
    /// the server drops the lock with it.
    package func withStatusRebuildLock<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws
        -> T
    {
        let logger = logger
        do {
            return try await client.withConnection { connection in
                try await connection.query("SELECT pg_advisory_lock(\(Self.statusRebuildLock))", logger: logger)
                let result: Result<T, any Error>
                do {
                    result = .success(try await body())
                } catch {
                    result = .failure(error)
                }
                try await connection.query("SELECT pg_advisory_unlock(\(Self.statusRebuildLock))", logger: logger)
                return try result.get()
            }
        } catch {
            throw PostgresStoreError.wrap(error)
        }
    }
}
