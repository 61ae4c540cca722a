import PostgresNIO
import SpoolCore
import SpoolStore

/// Jobs: the scheduler's queries (`JobStore`) and the rest of `StoreEngine`'s, with `Store`'s semantics.
extension PostgresStore: StoreEngine {
    package func fetchJob(id: String) async throws -> JobRecord? {
        try await transaction { connection, logger in
            try await Self.jobs("WHERE id = $1", binds: Self.binds(id), on: connection, logger: logger).first
        }
    }

    package func fetchJobs(status: JobStatus) async throws -> [JobRecord] {
        try await transaction { connection, logger in
            try await Self.jobs(
                "WHERE status = $1 ORDER BY created_at, seq", binds: Self.binds(status.rawValue), on: connection,
                logger: logger)
        }
    }

    package func fetchPendingHeads(excluding: Set<String>, live: Bool?) async throws -> [JobRecord] {
        var binds = PostgresBindings()
        binds.append(Array(excluding))
        // Options are the batch's (retries copy them), so the head alone says which kind a batch is.
        var kind = ""
        if let live {
            binds.append(live)
            kind = " AND (job.options::jsonb ->> 'live_recording')::boolean = $2"
        }
        let tail = """
            JOIN batch ON job.id = (
                SELECT j.id FROM job AS j WHERE j.batch_id = batch.id AND j.status = 'Pending' AND j.id <> ALL($1)
                ORDER BY j.position LIMIT 1)
            WHERE batch.finished_at IS NULL\(kind)
            ORDER BY job.created_at, job.batch_id, job.position
            """
        return try await transaction { [binds] connection, logger in
            try await Self.jobs(tail, binds: binds, on: connection, logger: logger)
        }
    }

    package func saveJob(_ job: JobRecord) async throws -> Bool {
        let row = try job.canonicalRow()
        return try await transaction { connection, logger in
            guard
                let current = try await Self.jobs(
                    "WHERE id = $1 FOR UPDATE", binds: Self.binds(job.id), on: connection, logger: logger
                ).first
            else { return false }
            // A late write from a stopped runner never undoes a cancel.
            if current.status.isTerminal { return current == job }
            try await Self.update(row, on: connection, logger: logger)
            // A terminal state saved here (a cancel from any node) ends the job's lease: the node running it
            // sees the lease lost, stops its tools, and its later fenced writes change nothing.
            if job.status.isTerminal {
                var ended = 0
                for try await count in try await connection.query(
                    """
                    WITH ended AS (
                        UPDATE job SET lease_id = NULL, leased_until = NULL
                        WHERE id = \(job.id) AND lease_id IS NOT NULL RETURNING 1)
                    SELECT COUNT(*) FROM ended
                    """, logger: logger
                ).decode(Int.self) {
                    ended = count
                }
                if ended > 0 { try await Self.notifyJobs(on: connection, logger: logger) }
            }
            return true
        }
    }

    package func startAttempt(id: String, at now: Int64) async throws -> JobRecord? {
        try await transaction { [node] connection, logger in
            // FOR UPDATE: two nodes starting the same job queue up here, and the second finds it started.
            guard
                var job = try await Self.jobs(
                    "WHERE id = $1 FOR UPDATE", binds: Self.binds(id), on: connection, logger: logger
                ).first
            else { return nil }
            let isRetry = job.status == .processing && job.step == .waiting
            guard let next = job.state.apply(isRetry ? .step(.downloading) : .start) else { return nil }
            job.state = next
            job.attempt += 1
            if job.startedAt == nil {
                job.startedAt = now
                job.queueWaitMs = max(0, now - job.createdAt)
            }
            job.nextRetryAt = nil
            job.progress = nil
            job.node = node
            try await Self.update(try job.canonicalRow(), on: connection, logger: logger)
            return job
        }
    }

    package func fetchJobs(batchID: String) async throws -> [JobRecord] {
        try await transaction { connection, logger in
            try await Self.jobs(
                "WHERE batch_id = $1 ORDER BY position", binds: Self.binds(batchID), on: connection, logger: logger)
        }
    }

    package func fetchJobs(ids: [String]) async throws -> [JobRecord] {
        guard !ids.isEmpty else { return [] }
        var binds = PostgresBindings()
        binds.append(ids)
        return try await transaction { [binds] connection, logger in
            try await Self.jobs("WHERE id = ANY($1)", binds: binds, on: connection, logger: logger)
        }
    }

    package func fetchAllJobs() async throws -> [JobRecord] {
        try await transaction { connection, logger in
            try await Self.jobs("ORDER BY created_at, position, seq", on: connection, logger: logger)
        }
    }

    package func fetchPendingJobs() async throws -> [JobRecord] {
        try await transaction { connection, logger in
            try await Self.jobs(
                "WHERE status = 'Pending' ORDER BY created_at, batch_id, position", on: connection, logger: logger)
        }
    }

    package func countJobsByStatus() async throws -> [JobStatus: Int] {
        try await transaction { connection, logger in
            var counts: [JobStatus: Int] = [:]
            let rows = try await connection.query("SELECT status, COUNT(*) FROM job GROUP BY status", logger: logger)
            for try await (status, count) in rows.decode((String, Int).self) {
                if let status = JobStatus(rawValue: status) { counts[status] = count }
            }
            return counts
        }
    }

    package func countQueuedJobs() async throws -> Int {
        try await transaction { connection, logger in
            var count = 0
            let rows = try await connection.query(
                "SELECT COUNT(*) FROM job WHERE status = 'Pending' OR (status = 'Processing' AND step = 'Waiting')",
                logger: logger)
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }

    package func appendRetryJobs(_ jobs: [JobRecord], toBatch batchID: String) async throws -> [JobRecord] {
        try await transaction { connection, logger in
            // The batch row's lock serialises two appends to one batch (each needs the last position).
            try await connection.query("SELECT id FROM batch WHERE id = \(batchID) FOR UPDATE", logger: logger)
            var last = -1
            let rows = try await connection.query(
                "SELECT COALESCE(MAX(position), -1) FROM job WHERE batch_id = \(batchID)", logger: logger)
            for try await value in rows.decode(Int.self) { last = value }
            var inserted: [JobRecord] = []
            for var job in jobs {
                last += 1
                job.position = last
                inserted.append(job)
            }
            try await Self.insert(
                try inserted.map { try $0.canonicalRow() }, into: "job", on: connection, logger: logger)
            try await connection.query("UPDATE batch SET finished_at = NULL WHERE id = \(batchID)", logger: logger)
            try await Self.notifyJobs(on: connection, logger: logger)
            return inserted
        }
    }

    package func requeueProcessingJobs() async throws -> [String] {
        try await transaction { connection, logger in
            var ids: [String] = []
            let rows = try await connection.query(
                """
                UPDATE job SET status = 'Pending', step = 'Queued', progress = NULL, next_retry_at = NULL,
                    node = NULL, lease_id = NULL, leased_until = NULL
                WHERE status = 'Processing' RETURNING id
                """, logger: logger)
            for try await id in rows.decode(String.self) { ids.append(id) }
            return ids
        }
    }

    /// Writes every column of the job `row` describes.
    static func update(_ row: CanonicalRow, on connection: PostgresConnection, logger: Logger) async throws {
        var binds = PostgresBindings(capacity: row.values.count)
        var cells: [String] = []
        for (index, value) in row.values.enumerated() {
            binds.append(value)
            cells.append("$\(index + 1)::\(PostgresSchema.jobTypes[index])")
        }
        let columns = PostgresSchema.jobColumns.dropFirst().joined(separator: ", ")
        let sql = "UPDATE job SET (\(columns)) = (\(cells.dropFirst().joined(separator: ", "))) WHERE id = $1"
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
    }
}
