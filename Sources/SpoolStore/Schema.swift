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
        // The status journal (`Store.StatusJournal`): every batch and job whose status file may differ from
        // its row since the status files were last known complete and on disk. Triggers record every insert
        // and update, whoever writes; each update takes a fresh `seq` (delete + insert, never OR REPLACE,
        // whose conflict policy an outer statement could override), so clearing a row by its `seq` never
        // clears a later change. A new job's ID is new (a UUIDv7 primary key): its insert needs no delete,
        // which keeps the trigger's cost on a 100,000-job burst down. Existing rows start dirty: their files were never checked against this journal.
        migrator.registerMigration("v3-status-journal") { db in
            try db.execute(
                sql: """
                    CREATE TABLE status_dirty (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL CHECK (kind IN ('job', 'batch')),
                        id TEXT NOT NULL,
                        UNIQUE (kind, id));
                    CREATE TRIGGER status_dirty_job_insert AFTER INSERT ON job BEGIN
                        INSERT INTO status_dirty (kind, id) VALUES ('job', NEW.id);
                    END;
                    CREATE TRIGGER status_dirty_job_update AFTER UPDATE ON job BEGIN
                        DELETE FROM status_dirty WHERE kind = 'job' AND id = NEW.id;
                        INSERT INTO status_dirty (kind, id) VALUES ('job', NEW.id);
                    END;
                    CREATE TRIGGER status_dirty_batch_insert AFTER INSERT ON batch BEGIN
                        DELETE FROM status_dirty WHERE kind = 'batch' AND id = NEW.id;
                        INSERT INTO status_dirty (kind, id) VALUES ('batch', NEW.id);
                    END;
                    CREATE TRIGGER status_dirty_batch_update AFTER UPDATE ON batch BEGIN
                        DELETE FROM status_dirty WHERE kind = 'batch' AND id = NEW.id;
                        INSERT INTO status_dirty (kind, id) VALUES ('batch', NEW.id);
                    END;
                    INSERT INTO status_dirty (kind, id) SELECT 'batch', id FROM batch;
                    INSERT INTO status_dirty (kind, id) SELECT 'job', id FROM job;
                    """)
        }
        // Webhook deliveries (docs/webhooks.md): one row per job that asked for one; a terminal job whose row is
        // still `pending` is sent, so a crash between the job's end and the send loses nothing.
        migrator.registerMigration("v4-webhook-delivery") { db in
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
            // `webhook_status` is part of the job's status file: a change here makes the job's file dirty in the
            // status journal (v3), as a change of the job row does.
            try db.execute(
                sql: """
                    CREATE TRIGGER status_dirty_webhook_insert AFTER INSERT ON webhook BEGIN
                        DELETE FROM status_dirty WHERE kind = 'job' AND id = NEW.jobId;
                        INSERT INTO status_dirty (kind, id) VALUES ('job', NEW.jobId);
                    END;
                    CREATE TRIGGER status_dirty_webhook_update AFTER UPDATE ON webhook BEGIN
                        DELETE FROM status_dirty WHERE kind = 'job' AND id = NEW.jobId;
                        INSERT INTO status_dirty (kind, id) VALUES ('job', NEW.jobId);
                    END;
                    """)
        }
        // The node running or that ran a job (docs/cluster.md): NULL for every existing row, as for a Pending
        // job; `startAttempt` stamps it. Appended, so an old database upgrades in place. Every job goes into
        // the status journal (v3), so the first start after the upgrade writes `node` into the existing files.
        migrator.registerMigration("v5-job-node") { db in
            try db.alter(table: "job") { t in t.add(column: "node", .text) }
            try db.execute(sql: "INSERT OR IGNORE INTO status_dirty (kind, id) SELECT 'job', id FROM job")
        }
        return migrator
    }
}
