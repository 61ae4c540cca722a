import Logging
import PostgresNIO
import SpoolStore

/// `ClusterRescue` on PostgreSQL: the node rules of PostgresStore+Nodes and +Leases, and the status
/// rebuild's advisory lock.
extension PostgresStore: ClusterRescue {
    /// The key of the session-level advisory lock held around a node's start-up status rebuild.
    static let statusRebuildLock: Int64 = 0x5350_4F4F_4C02  // "SPOOL" 2

    /// `requeueProcessingJobs(node:)`, plus the Processing jobs that no node holds (node and lease NULL):
    /// rows `spool migrate` copied from a root that crashed, and jobs started by `startAttempt`, which claims
    /// no node (until the scheduler claims through leases, a node's restart must take those back too). Those
    /// keep their attempt count, as one node's start-up recovery (`requeueProcessingJobs()`) does; a leased
    /// attempt is uncounted, as in `stopNode`.
    package func requeueStartupJobs(node: String) async throws -> [String] {
        try await transaction { connection, logger in
            let rows = try await connection.query(
                """
                UPDATE job SET status = 'Pending', step = 'Queued',
                    attempt = CASE WHEN node IS NULL THEN attempt ELSE GREATEST(attempt - 1, 0) END,
                    progress = NULL, next_retry_at = NULL, node = NULL, lease_id = NULL, leased_until = NULL
                WHERE status = 'Processing' AND (node = \(node) OR (node IS NULL AND lease_id IS NULL))
                RETURNING id
                """, logger: logger)
            var ids: [String] = []
            for try await id in rows.decode(String.self) { ids.append(id) }
            return ids.sorted()
        }
    }

    package func fetchLiveNodes(leaseSeconds: Int) async throws -> [String] {
        try await transaction { connection, logger in
            var names: [String] = []
            let rows = try await connection.query(
                """
                SELECT name FROM node
                WHERE state = 'up' AND heartbeat_at > now() - make_interval(secs => \(leaseSeconds)) ORDER BY name
                """, logger: logger)
            for try await name in rows.decode(String.self) { names.append(name) }
            return names
        }
    }

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
