import GRDB

/// Append-only, named migrations. Constraints live in the schema: trust SQLite more than ourselves.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "batch") { t in
                t.primaryKey("id", .text)
                t.column("source", .text).notNull()
                t.column("claimName", .text).unique()
                t.column("idempotencyKey", .text).unique()
                t.column("folder", .text)
                t.column("createdAt", .integer).notNull()
                t.column("finishedAt", .integer)
            }
            try db.create(table: "job") { t in
                t.primaryKey("id", .text)
                t.belongsTo("batch", onDelete: .cascade).notNull()
                t.column("position", .integer).notNull()
                t.column("url", .text).notNull()
                t.column("filename", .text)
                t.column("folder", .text)
                t.column("options", .jsonText).notNull()
                t.column("status", .text).notNull()
                    .check(sql: "status IN ('Pending','Processing','Completed','Failed','Warning','Skipped')")
                t.column("step", .text).notNull()
                t.column("attempt", .integer).notNull().defaults(to: 0)
                t.column("downloadRetries", .integer).notNull().defaults(to: 0)
                t.column("createdAt", .integer).notNull()
                t.column("startedAt", .integer)
                t.column("finishedAt", .integer)
                t.column("nextRetryAt", .integer)
                t.column("queueWaitMs", .integer)
                t.column("error", .text)
                t.column("errorType", .text)
                t.column("result", .jsonText)
                t.column("progress", .jsonText)
                t.column("originalJobId", .text)
                t.uniqueKey(["batchId", "position"])
            }
            try db.create(index: "job_status", on: "job", columns: ["status"])
        }
        // The clean-shutdown seal (`Store.Startup`): at most one row, removed at every start-up.
        migrator.registerMigration("v2-startup-seal") { db in
            try db.execute(
                sql:
                    "CREATE TABLE IF NOT EXISTS startup_seal (id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL)"
            )
        }
        // Webhook deliveries (docs/webhooks.md): one row per job that asked for one; a terminal job whose row is
        // still `pending` is sent, so a crash between the job's end and the send loses nothing.
        migrator.registerMigration("v3-webhook-delivery") { db in
            try db.create(table: "webhook") { t in
                t.primaryKey("jobId", .text).references("job", onDelete: .cascade)
                t.column("url", .text).notNull()
                t.column("progress", .boolean).notNull().defaults(to: false)
                t.column("state", .text).notNull().check(sql: "state IN ('pending','delivered','failed')")
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("nextAttemptAt", .integer).notNull().defaults(to: 0)
                t.column("lastProgressAt", .integer)
                t.column("lastError", .text)
            }
            try db.create(index: "webhook_state", on: "webhook", columns: ["state"])
        }
        return migrator
    }
}
