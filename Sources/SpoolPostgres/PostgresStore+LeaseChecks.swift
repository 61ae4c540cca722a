import PostgresNIO
import SpoolCore
import SpoolStore

/// The lease queries a running node makes (`NodeJobs`): renewing only the leases it still holds, checking
/// which are still its own, and starting a retry it holds. Every lease time is the database's `now()`.
extension PostgresStore {
    /// Records that `node` is alive (as `heartbeat`) and renews to `leaseSeconds` from now only the leases
    /// in `tokens` (job ID → token) that are still current; returns how many it renewed. Unlike
    /// `heartbeat`, a lease the node gave up (its tools stopped) is not renewed by name, so it runs out and
    /// any live node's rescue takes the job back.
    @discardableResult
    package func renewLeases(node: String, tokens: [String: String], leaseSeconds: Int, slots: Int = 0)
        async throws -> Int
    {
        let ids = Array(tokens.keys)
        let values = ids.map { tokens[$0] ?? "" }
        return try await transaction { connection, logger in
            try await connection.query(
                """
                INSERT INTO node (name, version, slots) VALUES (\(node), '', \(slots))
                ON CONFLICT (name) DO UPDATE SET heartbeat_at = now(), state = 'up'
                WHERE node.state <> 'stopped'
                """, logger: logger)
            guard !ids.isEmpty else { return 0 }
            var renewed = 0
            let rows = try await connection.query(
                """
                WITH renewed AS (
                    UPDATE job SET leased_until = now() + make_interval(secs => \(leaseSeconds))
                    FROM unnest(\(ids)::text[], \(values)::uuid[]) AS held(id, token)
                    WHERE job.id = held.id AND job.lease_id = held.token AND job.leased_until > now() RETURNING 1)
                SELECT COUNT(*) FROM renewed
                """, logger: logger)
            for try await count in rows.decode(Int.self) { renewed = count }
            return renewed
        }
    }

    /// The IDs among `tokens` (job ID → token) whose lease is still that token and not expired.
    package func currentLeases(_ tokens: [String: String]) async throws -> Set<String> {
        let ids = Array(tokens.keys)
        guard !ids.isEmpty else { return [] }
        let values = ids.map { tokens[$0] ?? "" }
        return try await transaction { connection, logger in
            var current: Set<String> = []
            let rows = try await connection.query(
                """
                SELECT job.id::text FROM unnest(\(ids)::text[], \(values)::uuid[]) AS held(id, token)
                JOIN job ON job.id = held.id AND job.lease_id = held.token AND job.leased_until > now()
                """, logger: logger)
            for try await id in rows.decode(String.self) { current.insert(id) }
            return current
        }
    }

    /// Starts the next attempt of a retry-waiting job (`Processing`/`Waiting`) only while `token` is its
    /// current lease, counting the attempt as `startAttempt` does; nil when the lease is no longer current
    /// or the job is not waiting.
    package func startLeasedAttempt(id: String, token: String, at now: Int64) async throws -> JobRecord? {
        try await transaction { connection, logger in
            var binds = PostgresBindings()
            binds.append(id)
            binds.append(token)
            guard
                var job = try await Self.jobs(
                    "WHERE id = $1 AND lease_id = $2::uuid AND leased_until > now() FOR UPDATE", binds: binds,
                    on: connection, logger: logger
                ).first,
                job.status == .processing && job.step == .waiting,
                let next = job.state.apply(.step(.downloading))
            else { return nil }
            job.state = next
            job.attempt += 1
            job.nextRetryAt = nil
            job.progress = nil
            try await Self.update(try job.canonicalRow(), on: connection, logger: logger)
            return job
        }
    }

    /// Hands a claim back (its caller gave up waiting for it): Pending again with its lease cleared and the
    /// attempt uncounted, as the rescue would do once the lease ran out; false when `token` no longer holds it.
    package func releaseLease(of id: String, token: String) async throws -> Bool {
        try await transaction { connection, logger in
            var released = 0
            let rows = try await connection.query(
                """
                WITH released AS (
                    UPDATE job SET status = 'Pending', step = 'Queued', attempt = GREATEST(attempt - 1, 0),
                        progress = NULL, next_retry_at = NULL, node = NULL, lease_id = NULL, leased_until = NULL
                    WHERE id = \(id) AND status = 'Processing' AND lease_id = \(token)::uuid RETURNING 1)
                SELECT COUNT(*) FROM released
                """, logger: logger)
            for try await count in rows.decode(Int.self) { released = count }
            if released == 1 { try await Self.notifyJobs(on: connection, logger: logger) }
            return released == 1
        }
    }
}
