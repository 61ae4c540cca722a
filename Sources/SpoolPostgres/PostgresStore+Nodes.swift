import Foundation
import PostgresNIO
import SpoolCore
import SpoolStore

/// The node rules of a cluster (issue 12), on the `node` table of migration 2 and the database clock: one
/// live node per name, nodes whose heartbeat stops are marked `lost`, and a node that stops hands its
/// running jobs back at once. Not used by the service yet (see docs/cluster.md).
extension PostgresStore {
    /// What `registerNode` decided.
    package enum NodeRegistration: Sendable, Equatable {
        /// The node row is ours: created, or taken over from a stopped, lost or silent node of that name.
        case started(since: Date)
        /// A live node holds the name: `holder` (the name), up since `since`, heartbeat younger than the lease.
        case refused(holder: String, since: Date)
    }

    /// Starts node `name`, unless a node of that name is `up` with a heartbeat younger than `leaseSeconds`
    /// (two live nodes with one name would requeue each other's jobs): then `.refused` with the holder's
    /// start time, and the row is left as it is. A stopped, lost or silent node's row is taken over
    /// (started_at and heartbeat now, state up). One statement, so two nodes starting at once with one
    /// name cannot both win: the second waits for the first's row lock, then sees it live.
    package func registerNode(name: String, leaseSeconds: Int, version: String, slots: Int) async throws
        -> NodeRegistration
    {
        try await transaction { connection, logger in
            let started = try await connection.query(
                """
                INSERT INTO node (name, version, slots) VALUES (\(name), \(version), \(slots))
                ON CONFLICT (name) DO UPDATE SET started_at = now(), heartbeat_at = now(), state = 'up',
                    version = EXCLUDED.version, slots = EXCLUDED.slots
                WHERE NOT (node.state = 'up'
                    AND node.heartbeat_at > now() - make_interval(secs => \(leaseSeconds)))
                RETURNING started_at
                """, logger: logger)
            var registration: NodeRegistration?
            for try await since in started.decode(Date.self) { registration = .started(since: since) }
            if let registration { return registration }
            let holder = try await connection.query(
                "SELECT name, started_at FROM node WHERE name = \(name)", logger: logger)
            for try await (holder, since) in holder.decode((String, Date).self) {
                registration = .refused(holder: holder, since: since)
            }
            if let registration { return registration }
            throw PostgresStoreError(message: "node \(name) was neither started nor found; try again")
        }
    }

    /// Marks `lost` every `up` node whose heartbeat is older than `leaseSeconds` (the database clock);
    /// returns their names, sorted. Its expired leases are then `rescueExpiredLeases`' to hand back, and
    /// its claimed inbox files a live node's to adopt.
    package func markLostNodes(leaseSeconds: Int) async throws -> [String] {
        try await transaction { connection, logger in
            let rows = try await connection.query(
                """
                UPDATE node SET state = 'lost'
                WHERE state = 'up' AND heartbeat_at <= now() - make_interval(secs => \(leaseSeconds))
                RETURNING name
                """, logger: logger)
            var names: [String] = []
            for try await name in rows.decode(String.self) { names.append(name) }
            return names.sorted()
        }
    }

    /// A clean shutdown (SIGTERM): node `name` becomes `stopped` and its Processing jobs go back to
    /// Pending/Queued at once, leases cleared (its tokens can no longer write) and the attempt uncounted,
    /// so the other nodes take them without waiting for the leases to run out. Returns their IDs, sorted.
    package func stopNode(name: String) async throws -> [String] {
        try await transaction { connection, logger in
            // An upsert: a node that never registered (or whose row is gone) is recorded stopped all the same.
            try await connection.query(
                """
                INSERT INTO node (name, state) VALUES (\(name), 'stopped')
                ON CONFLICT (name) DO UPDATE SET state = 'stopped', heartbeat_at = now()
                """, logger: logger)
            return try await Self.handBack(node: name, on: connection, logger: logger)
        }
    }

    /// A node's own start-up recovery: its jobs left Processing by its previous run (a crash) go back to
    /// Pending/Queued, uncounted, leases cleared. Only jobs claimed under `node`: another live node's
    /// running jobs are never touched. Returns their IDs, sorted.
    package func requeueProcessingJobs(node: String) async throws -> [String] {
        try await transaction { connection, logger in
            try await Self.handBack(node: node, on: connection, logger: logger)
        }
    }

    /// Puts `node`'s Processing jobs back to Pending/Queued with the lease cleared; the attempt is not
    /// counted (it never reached publication: a publication ends in a terminal state, which ends the lease).
    private static func handBack(node: String, on connection: PostgresConnection, logger: Logger) async throws
        -> [String]
    {
        let rows = try await connection.query(
            """
            UPDATE job SET status = 'Pending', step = 'Queued', attempt = GREATEST(attempt - 1, 0),
                progress = NULL, next_retry_at = NULL, node = NULL, lease_id = NULL, leased_until = NULL
            WHERE status = 'Processing' AND node = \(node)
            RETURNING id
            """, logger: logger)
        var ids: [String] = []
        for try await id in rows.decode(String.self) { ids.append(id) }
        return ids.sorted()
    }
}
