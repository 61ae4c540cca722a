/// Migrations 3 and 4: the status journal and webhook deliveries, SQLite's `v3-status-journal` and
/// `v4-webhook-delivery` (SpoolStore's Schema.swift) with the same tables, meanings and triggers.
extension PostgresSchema {
    /// Migration 3, the status journal (`Store.StatusJournal`): every batch and job whose status file may
    /// differ from its row, filled by triggers in the same transaction as the change, whichever node writes.
    ///
    /// Each change gives its ID a fresh `seq` (an upsert: `ON CONFLICT … SET seq = DEFAULT`; two nodes
    /// marking one ID at once queue on the unique key instead of failing as SQLite's delete + insert would).
    /// With several writers, `seq` order is not commit order: a transaction may commit a lower `seq` after
    /// another's higher one is read. Clearing stays correct because `clearStatusJournalEntries` deletes only
    /// the `seq`s it read, never "up to" one: an ID changed again since (committed or not) holds another
    /// `seq` (the delete waits for an uncommitted upsert's row lock, then rechecks it) and stays dirty.
    ///
    /// Inserts mark rows per statement (a transition table: one insert for a 500-row chunk of a large
    /// batch). Job updates mark per row and only when a column of the job's status file is written, so
    /// lease renewals (`heartbeat`, migration 2's columns) do not churn the journal; a later migration
    /// that adds a job column shown in status files must add it to that list. Existing rows start dirty,
    /// as in SQLite: their files were never checked against this journal.
    static let statusJournal = Migration(
        version: 3, name: "status journal",
        statements: [
            """
            CREATE TABLE status_dirty (
                seq bigserial PRIMARY KEY,
                kind text NOT NULL CHECK (kind IN ('job', 'batch')),
                id text COLLATE "C" NOT NULL,
                UNIQUE (kind, id)
            )
            """,
            // Statement-level: the inserted or updated rows are the transition table `changed`; TG_ARGV[0]
            // is the kind.
            """
            CREATE FUNCTION status_dirty_mark() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO status_dirty (kind, id) SELECT TG_ARGV[0], changed.id FROM changed
                ON CONFLICT (kind, id) DO UPDATE SET seq = DEFAULT;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE FUNCTION status_dirty_mark_job() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO status_dirty (kind, id) VALUES ('job', NEW.id)
                ON CONFLICT (kind, id) DO UPDATE SET seq = DEFAULT;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER status_dirty_batch_insert AFTER INSERT ON batch REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION status_dirty_mark('batch')
            """,
            """
            CREATE TRIGGER status_dirty_batch_update AFTER UPDATE ON batch REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION status_dirty_mark('batch')
            """,
            """
            CREATE TRIGGER status_dirty_job_insert AFTER INSERT ON job REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION status_dirty_mark('job')
            """,
            // PostgreSQL refuses a column list on a trigger with a transition table: this one is per row.
            """
            CREATE TRIGGER status_dirty_job_update AFTER UPDATE OF batch_id, position, url, filename, folder,
                options, status, step, attempt, download_retries, created_at, started_at, finished_at,
                next_retry_at, queue_wait_ms, error, error_type, result, progress, original_job_id
            ON job FOR EACH ROW EXECUTE FUNCTION status_dirty_mark_job()
            """,
            "INSERT INTO status_dirty (kind, id) SELECT 'batch', id FROM batch ORDER BY seq",
            "INSERT INTO status_dirty (kind, id) SELECT 'job', id FROM job ORDER BY seq",
        ])

    /// Migration 4, webhook deliveries (`WebhookRecord`, docs/webhooks.md): one row per job that asked for
    /// one, SQLite's `webhook` columns in snake case (`progress` a boolean; the canonical form writes it
    /// 0/1 as SQLite stores it). `webhook_status` is part of the job's status file, so inserting or updating
    /// a delivery marks its job dirty in the journal (migration 3), as a change of the job row does.
    static let webhooks = Migration(
        version: 4, name: "webhook deliveries",
        statements: [
            """
            CREATE TABLE webhook (
                job_id text COLLATE "C" PRIMARY KEY REFERENCES job (id) ON DELETE CASCADE,
                url text NOT NULL,
                progress boolean NOT NULL DEFAULT false,
                state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at bigint NOT NULL DEFAULT 0,
                last_progress_at bigint,
                last_error text
            )
            """,
            "CREATE INDEX webhook_state ON webhook (state)",
            """
            CREATE FUNCTION status_dirty_mark_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO status_dirty (kind, id) VALUES ('job', NEW.job_id)
                ON CONFLICT (kind, id) DO UPDATE SET seq = DEFAULT;
                RETURN NULL;
            END
            $$
            """,
            // Per row, like SQLite's: `ON CONFLICT DO NOTHING` (a second delivery for a job) inserts no row
            // and so marks nothing, as SQLite's `INSERT OR IGNORE` fires no trigger.
            """
            CREATE TRIGGER status_dirty_webhook AFTER INSERT OR UPDATE ON webhook
            FOR EACH ROW EXECUTE FUNCTION status_dirty_mark_webhook()
            """,
        ])

    /// The webhook table's SQL column names in `WebhookRecord.canonicalColumns` order.
    static let webhookColumns = [
        "job_id", "url", "progress", "state", "attempts", "next_attempt_at", "last_progress_at", "last_error",
    ]

    /// The SQL types of `webhookColumns` (text binds are cast to them on insert); `progress` travels as 0/1.
    static let webhookTypes = ["text", "text", "integer::boolean", "text", "integer", "bigint", "bigint", "text"]

    /// `SELECT` list giving every webhook column as canonical text (`progress` as 0/1, as SQLite holds it).
    static func webhookSelectList(prefix: String = "") -> String {
        webhookColumns.map { $0 == "progress" ? "\(prefix)progress::integer::text" : "\(prefix)\($0)::text" }
            .joined(separator: ", ")
    }
}
