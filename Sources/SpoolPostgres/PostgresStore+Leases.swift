import PostgresNIO
import SpoolCore
import SpoolStore

/// Leases and fencing for several nodes (migration 2): a claimed job carries its node, a fresh lease token
/// and `leased_until` on the database's clock; every later write names the token and changes nothing when
/// the lease is no longer the job's; expired leases go back to Pending without counting the attempt.
///
/// Not used by the service yet (see docs/cluster.md); the conformance suite checks the rules.
extension PostgresStore {
    /// A job claimed by a node: the record as claimed and the token its writes must carry.
    package struct Lease: Sendable, Equatable {
        package var job: JobRecord
        package var token: String
    }

    /// Records that `node` is alive (its row's heartbeat on the database clock) and renews the leases of the
    /// jobs it runs to `leaseSeconds` from now; returns how many leases it renewed. A `stopped` node stays
    /// stopped: a heartbeat that races its node's clean stop must not hold the name for another lease.
    @discardableResult
    package func heartbeat(node: String, leaseSeconds: Int, version: String = "", slots: Int = 0) async throws -> Int {
        try await transaction { connection, logger in
            try await connection.query(
                """
                INSERT INTO node (name, version, slots) VALUES (\(node), \(version), \(slots))
                ON CONFLICT (name) DO UPDATE SET heartbeat_at = now(), state = 'up'
                WHERE node.state <> 'stopped'
                """, logger: logger)
            var renewed = 0
            let rows = try await connection.query(
                """
                WITH renewed AS (
                    UPDATE job SET leased_until = now() + make_interval(secs => \(leaseSeconds))
                    WHERE node = \(node) AND lease_id IS NOT NULL AND leased_until > now() RETURNING 1)
                SELECT COUNT(*) FROM renewed
                """, logger: logger)
            for try await count in rows.decode(Int.self) { renewed = count }
            return renewed
        }
    }

    /// Claims the next Pending job of an unfinished batch for `node`, with a fresh lease token; nil when
    /// nothing is free. Fair across the cluster: batches take turns (the one whose last claim is oldest,
    /// never-claimed first, then by arrival), FIFO by position inside a batch; the claim stamps its batch's
    /// `last_claim_at` in the same statement (migration 5). `FOR UPDATE OF job SKIP LOCKED`: two nodes
    /// claiming at once take different jobs; the second waits only for the first's stamp on a shared batch
    /// row (one short transaction), never for a job. A `stopped` node claims nothing (a slot racing the
    /// node's clean stop must not take a job after `stopNode` handed its jobs back) until it registers again.
    /// `live`: only live recordings (`true`), only other jobs (`false`), either (nil).
    package func claimNext(node: String, leaseSeconds: Int, at now: Int64, live: Bool? = nil) async throws -> Lease? {
        let columns = PostgresSchema.selectList(PostgresSchema.jobColumns, prefix: "job.")
        let sql: PostgresQuery = """
            WITH next AS (
                SELECT job.id, job.batch_id FROM job JOIN batch ON batch.id = job.batch_id
                WHERE job.status = 'Pending' AND batch.finished_at IS NULL
                    AND NOT EXISTS (SELECT 1 FROM node WHERE node.name = \(node) AND node.state = 'stopped')
                    AND (\(live)::boolean IS NULL
                        OR COALESCE((job.options::jsonb ->> 'live_recording')::boolean, false) = \(live)::boolean)
                ORDER BY batch.last_claim_at NULLS FIRST, batch.created_at, batch.seq, job.position
                LIMIT 1 FOR UPDATE OF job SKIP LOCKED),
            stamped AS (
                UPDATE batch SET last_claim_at = clock_timestamp() FROM next WHERE batch.id = next.batch_id)
            UPDATE job SET status = 'Processing', step = 'Downloading', attempt = job.attempt + 1,
                started_at = COALESCE(job.started_at, \(now)),
                queue_wait_ms = COALESCE(job.queue_wait_ms, GREATEST(0, \(now) - job.created_at)),
                next_retry_at = NULL, progress = NULL,
                node = \(node), lease_id = gen_random_uuid(),
                leased_until = now() + make_interval(secs => \(leaseSeconds))
            FROM next WHERE job.id = next.id
            RETURNING \(unescaped: columns), job.lease_id::text
            """
        return try await transaction { connection, logger in
            var lease: Lease?
            for try await row in try await connection.query(sql, logger: logger) {
                var values = try row.map { try $0.decode(String?.self) }
                let token = values.removeLast() ?? ""
                lease = Lease(job: try JobRecord(canonical: CanonicalRow(values)), token: token)
            }
            return lease
        }
    }

    /// Saves the job of `lease` only while the lease is current (its token, not expired); false when the
    /// lease was lost: the caller stops the job's tools and publishes nothing. A state other than
    /// Processing (terminal, or back to Pending) ends the lease.
    package func saveLeased(_ job: JobRecord, token: String) async throws -> Bool {
        let row = try job.canonicalRow()
        return try await transaction { connection, logger in
            var binds = PostgresBindings(capacity: row.values.count + 1)
            var cells: [String] = []
            for (index, value) in row.values.enumerated() {
                binds.append(value)
                cells.append("$\(index + 1)::\(PostgresSchema.jobTypes[index])")
            }
            binds.append(token)
            let ends = job.status != .processing ? ", lease_id = NULL, leased_until = NULL" : ""
            let columns = PostgresSchema.jobColumns.dropFirst().joined(separator: ", ")
            let sql = """
                WITH saved AS (
                    UPDATE job SET (\(columns)) = (\(cells.dropFirst().joined(separator: ", ")))\(ends)
                    WHERE id = $1 AND lease_id = $\(binds.count)::uuid AND leased_until > now() RETURNING 1)
                SELECT COUNT(*) FROM saved
                """
            var saved = 0
            for try await count in try await connection.query(
                PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger
            )
            .decode(Int.self) {
                saved = count
            }
            return saved == 1
        }
    }

    /// Puts every job whose lease has expired (on the database clock) back to Pending, its lease cleared;
    /// the attempt it was on is not counted (it never reached publication). Returns their IDs.
    package func rescueExpiredLeases() async throws -> [String] {
        try await transaction { connection, logger in
            var ids: [String] = []
            let rows = try await connection.query(
                """
                UPDATE job SET status = 'Pending', step = 'Queued', attempt = GREATEST(attempt - 1, 0),
                    progress = NULL, next_retry_at = NULL, node = NULL, lease_id = NULL, leased_until = NULL
                WHERE status = 'Processing' AND lease_id IS NOT NULL AND leased_until <= now()
                RETURNING id
                """, logger: logger)
            for try await id in rows.decode(String.self) { ids.append(id) }
            if !ids.isEmpty { try await Self.notifyJobs(on: connection, logger: logger) }
            return ids
        }
    }
}
