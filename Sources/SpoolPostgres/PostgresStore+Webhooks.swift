import PostgresNIO
import SpoolCore
import SpoolStore

/// Webhook deliveries (migration 4, docs/webhooks.md), with `Store`'s semantics (WebhookRecord.swift): one
/// row per job, a second insert for the same job ignored, saving a delivery that does not exist an error.
extension PostgresStore {
    package func insertWebhookDelivery(_ hook: WebhookRecord) async throws {
        try await transaction { connection, logger in
            // SQLite's `INSERT OR IGNORE`: the first delivery recorded for a job stays; a missing job is
            // still refused (foreign key), as in SQLite.
            try await Self.insert(
                [hook.canonicalRow], into: "webhook", conflict: "ON CONFLICT (job_id) DO NOTHING", on: connection,
                logger: logger)
        }
    }

    package func fetchWebhook(jobID: String) async throws -> WebhookRecord? {
        try await transaction { connection, logger in
            try await Self.webhooks("WHERE job_id = $1", binds: Self.binds(jobID), on: connection, logger: logger)
                .first
        }
    }

    package func fetchPendingWebhooks() async throws -> [(WebhookRecord, JobRecord)] {
        let width = PostgresSchema.webhookColumns.count
        let sql = """
            SELECT \(PostgresSchema.webhookSelectList(prefix: "webhook.")), \
            \(PostgresSchema.selectList(PostgresSchema.jobColumns, prefix: "job."))
            FROM webhook JOIN job ON job.id = webhook.job_id
            WHERE webhook.state = 'pending' ORDER BY job.seq
            """
        return try await transaction { connection, logger in
            try await Self.rows(PostgresQuery(unsafeSQL: sql), on: connection, logger: logger).map { row in
                (
                    try WebhookRecord(canonical: CanonicalRow(Array(row.values.prefix(width)))),
                    try JobRecord(canonical: CanonicalRow(Array(row.values.dropFirst(width))))
                )
            }
        }
    }

    package func fetchWebhookStates() async throws -> [String: String] {
        try await transaction { connection, logger in
            var states: [String: String] = [:]
            let rows = try await connection.query("SELECT job_id, state FROM webhook", logger: logger)
            for try await (jobID, state) in rows.decode((String, String).self) { states[jobID] = state }
            return states
        }
    }

    package func saveWebhookDelivery(_ hook: WebhookRecord) async throws {
        let row = hook.canonicalRow
        try await transaction { connection, logger in
            var binds = PostgresBindings(capacity: row.values.count)
            var cells: [String] = []
            for (index, value) in row.values.enumerated() {
                binds.append(value)
                cells.append("$\(index + 1)::\(PostgresSchema.webhookTypes[index])")
            }
            let columns = PostgresSchema.webhookColumns.dropFirst().joined(separator: ", ")
            let sql = """
                UPDATE webhook SET (\(columns)) = (\(cells.dropFirst().joined(separator: ", "))) WHERE job_id = $1
                RETURNING job_id
                """
            var updated = 0
            for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
                updated += 1
            }
            // GRDB's `update` throws for a missing row (RecordError.recordNotFound); so does this.
            guard updated == 1 else {
                throw PostgresStoreError(message: "no webhook delivery for job \(hook.jobId) to save")
            }
        }
    }

    /// Webhook deliveries selected with `tail` (SQL after `FROM webhook`; binds in `binds`).
    static func webhooks(
        _ tail: String, binds: PostgresBindings = PostgresBindings(), on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [WebhookRecord] {
        let sql = "SELECT \(PostgresSchema.webhookSelectList()) FROM webhook \(tail)"
        return try await rows(PostgresQuery(unsafeSQL: sql, binds: binds), on: connection, logger: logger)
            .map { try WebhookRecord(canonical: $0) }
    }
}
