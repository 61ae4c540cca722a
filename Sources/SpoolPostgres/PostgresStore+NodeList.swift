import PostgresNIO
import SpoolCore

/// `spool nodes` on PostgreSQL: the `node` table (migration 2) as the cluster sees it. Ages and lease
/// checks are on the database's clock, like the leases themselves, never the reading node's.
extension PostgresStore {
    /// One `node` row with its heartbeat age and the jobs it holds a current lease on.
    package struct NodeRow: Sendable, Equatable {
        package var name: String
        /// The stored state (`up`, `lost`, `stopped`); `NodeListing.state` applies the lease to it.
        package var storedState: String
        package var heartbeatAgeSeconds: Double
        package var version: String
        package var slots: Int
        package var runningJobs: Int
    }

    /// Every node, by name. A job counts as running on a node while it is Processing under that node's
    /// unexpired lease (an expired one waits for `rescueExpiredLeases`, it runs nowhere).
    package func listNodes() async throws -> [NodeRow] {
        try await transaction { connection, logger in
            let rows = try await connection.query(
                """
                SELECT n.name, n.state, EXTRACT(EPOCH FROM (now() - n.heartbeat_at))::float8, n.version,
                    n.slots::int8,
                    (SELECT COUNT(*) FROM job j WHERE j.node = n.name AND j.status = 'Processing'
                        AND j.lease_id IS NOT NULL AND j.leased_until > now())::int8
                FROM node n ORDER BY n.name
                """, logger: logger)
            var nodes: [NodeRow] = []
            for try await (name, state, age, version, slots, running) in rows.decode(
                (String, String, Double, String, Int, Int).self)
            {
                nodes.append(
                    NodeRow(
                        name: name, storedState: state, heartbeatAgeSeconds: age, version: version, slots: slots,
                        runningJobs: running))
            }
            return nodes
        }
    }
}
