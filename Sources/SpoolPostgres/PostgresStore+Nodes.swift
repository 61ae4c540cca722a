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

    /// The process holding a node row: its host and PID (migration 6), so that a node restarted on the same
    /// host after a crash (kill -9, OOM) can take its own row back at once instead of being refused until
    /// its dead predecessor's heartbeat is older than the lease.
    package struct NodeProcess: Sendable, Equatable {
        package var host: String
        package var pid: Int32

        package init(host: String, pid: Int32) {
            self.host = host
            self.pid = pid
        }
    }

    /// Starts node `name`, unless a node of that name is `up` with a heartbeat younger than `leaseSeconds`
    /// (two live nodes with one name would requeue each other's jobs): then `.refused` with the holder's
    /// start time, and the row is left as it is. A stopped, lost or silent node's row is taken over
    /// (started_at and heartbeat now, state up). So is a live-looking row held by `process.host` under a
    /// PID that `isAlive` says is gone: this host's previous run, killed without a clean stop. One statement
    /// decides the ordinary case, so two nodes starting at once with one name cannot both win: the second
    /// waits for the first's row lock, then sees it live; the takeover names the dead PID in its WHERE.
    package func registerNode(
        name: String, leaseSeconds: Int, version: String, slots: Int,
        process: NodeProcess = NodeProcess(host: "", pid: 0),
        isAlive: @escaping @Sendable (Int32) -> Bool = { _ in true }
    ) async throws -> NodeRegistration {
        try await transaction { connection, logger in
            let started = try await connection.query(
                """
                INSERT INTO node (name, version, slots, host, pid)
                VALUES (\(name), \(version), \(slots), \(process.host), \(Int(process.pid)))
                ON CONFLICT (name) DO UPDATE SET started_at = now(), heartbeat_at = now(), state = 'up',
                    version = EXCLUDED.version, slots = EXCLUDED.slots, host = EXCLUDED.host, pid = EXCLUDED.pid
                WHERE NOT (node.state = 'up'
                    AND node.heartbeat_at > now() - make_interval(secs => \(leaseSeconds)))
                RETURNING started_at
                """, logger: logger)
            var registration: NodeRegistration?
            for try await since in started.decode(Date.self) { registration = .started(since: since) }
            if let registration { return registration }
            let holder = try await connection.query(
                "SELECT name, started_at, host, pid FROM node WHERE name = \(name) FOR UPDATE", logger: logger)
            var holding: (name: String, since: Date, host: String, pid: Int)?
            for try await row in holder.decode((String, Date, String, Int).self) { holding = row }
            guard let holding else {
                throw PostgresStoreError(message: "node \(name) was neither started nor found; try again")
            }
            let ownDeadRun =
                !process.host.isEmpty && holding.host == process.host && holding.pid != 0
                && Int32(exactly: holding.pid).map { $0 != process.pid && !isAlive($0) } == true
            guard ownDeadRun else { return .refused(holder: holding.name, since: holding.since) }
            let taken = try await connection.query(
                """
                UPDATE node SET started_at = now(), heartbeat_at = now(), state = 'up', version = \(version),
                    slots = \(slots), pid = \(Int(process.pid))
                WHERE name = \(name) AND host = \(process.host) AND pid = \(holding.pid)
                RETURNING started_at
                """, logger: logger)
            for try await since in taken.decode(Date.self) { registration = .started(since: since) }
            return registration ?? .refused(holder: holding.name, since: holding.since)
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
