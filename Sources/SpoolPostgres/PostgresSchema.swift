/// The PostgreSQL schema as numbered, append-only migrations, recorded in `schema_migrations`.
///
/// The constraints live in the database, as in SQLite's `Schema`: unique claim names and idempotency
/// keys, valid statuses and steps (CHECK), one job per (batch, position). IDs sort bytewise (`COLLATE
/// "C"`), as SQLite's do, so both engines give the same order. The JSON columns are text holding exactly
/// what the record encoder wrote, so a new `JobResult` field needs no migration and a copy from SQLite
/// keeps every byte. `seq` numbers rows in insertion order (SQLite's rowid) for the clean-shutdown seal.
enum PostgresSchema {
    struct Migration: Sendable {
        let version: Int
        let name: String
        let statements: [String]
    }

    /// Held (transaction-scoped) while migrating, so two nodes starting together migrate once.
    static let migrationLock: Int64 = 0x5350_4F4F_4C01  // "SPOOL" 1

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "batches and jobs",
            statements: [
                """
                CREATE TABLE batch (
                    id text COLLATE "C" PRIMARY KEY,
                    seq bigserial NOT NULL UNIQUE,
                    source text NOT NULL,
                    claim_name text UNIQUE,
                    idempotency_key text UNIQUE,
                    folder text,
                    created_at bigint NOT NULL,
                    finished_at bigint
                )
                """,
                """
                CREATE TABLE job (
                    id text COLLATE "C" PRIMARY KEY,
                    seq bigserial NOT NULL UNIQUE,
                    batch_id text COLLATE "C" NOT NULL REFERENCES batch (id) ON DELETE CASCADE,
                    position integer NOT NULL,
                    url text NOT NULL,
                    filename text,
                    folder text,
                    options text NOT NULL,
                    status text NOT NULL CHECK (status IN
                        ('Pending', 'Processing', 'Completed', 'Failed', 'Warning', 'Skipped')),
                    step text NOT NULL CHECK (step IN
                        ('Queued', 'Waiting', 'Downloading', 'Recording', 'Muxing', 'Uploading', 'Finished',
                         'Cancelled')),
                    attempt integer NOT NULL DEFAULT 0,
                    download_retries integer NOT NULL DEFAULT 0,
                    created_at bigint NOT NULL,
                    started_at bigint,
                    finished_at bigint,
                    next_retry_at bigint,
                    queue_wait_ms bigint,
                    error text,
                    error_type text CHECK (error_type IN ('error', 'warning')),
                    result text,
                    progress text,
                    original_job_id text,
                    UNIQUE (batch_id, position)
                )
                """,
                "CREATE INDEX job_status ON job (status)",
                // The clean-shutdown seal (`Store.Seal`): at most one row.
                "CREATE TABLE startup_seal (id integer PRIMARY KEY CHECK (id = 1), token text NOT NULL)",
            ]),
        // Nodes and leases (PostgresStore+Leases): a job's claim names its node and a lease token, and
        // lasts until `leased_until` (the database clock) unless its node's heartbeat renews it.
        Migration(
            version: 2, name: "nodes and leases",
            statements: [
                """
                CREATE TABLE node (
                    name text PRIMARY KEY,
                    started_at timestamptz NOT NULL DEFAULT now(),
                    heartbeat_at timestamptz NOT NULL DEFAULT now(),
                    state text NOT NULL DEFAULT 'up' CHECK (state IN ('up', 'lost', 'stopped')),
                    version text NOT NULL DEFAULT '',
                    slots integer NOT NULL DEFAULT 0
                )
                """,
                "ALTER TABLE job ADD COLUMN node text, ADD COLUMN lease_id uuid, ADD COLUMN leased_until timestamptz",
                "CREATE INDEX job_lease ON job (leased_until) WHERE lease_id IS NOT NULL",
            ]),
        // SQLite's v3-status-journal and v4-webhook-delivery (PostgresSchema+ServiceTables.swift).
        statusJournal,
        webhooks,
        // Fair claims (PostgresStore+Leases `claimNext`): each claim stamps its batch, and the next claim
        // goes to the batch stamped longest ago, so batches take turns across the whole cluster.
        Migration(
            version: 5, name: "fair claims",
            statements: ["ALTER TABLE batch ADD COLUMN last_claim_at timestamptz"]),
        // The process holding a node row (PostgresStore+Nodes `registerNode`): a node restarted on the same
        // host after a crash takes its row back from its dead predecessor at once.
        Migration(
            version: 6, name: "node process",
            statements: [
                "ALTER TABLE node ADD COLUMN host text NOT NULL DEFAULT '', ADD COLUMN pid integer NOT NULL DEFAULT 0"
            ]),
    ]

    /// The SQL column names in `CanonicalRow.batchColumns` order.
    static let batchColumns = [
        "id", "source", "claim_name", "idempotency_key", "folder", "created_at", "finished_at",
    ]

    /// The SQL column names in `CanonicalRow.jobColumns` order. `node` (migration 2) is the status files' too;
    /// the journal's update trigger (migration 3) does not name it, but every statement that writes it writes
    /// `status` as well, so its changes mark the job dirty all the same.
    static let jobColumns = [
        "id", "batch_id", "position", "url", "filename", "folder", "options", "status", "step", "attempt",
        "download_retries", "created_at", "started_at", "finished_at", "next_retry_at", "queue_wait_ms", "error",
        "error_type", "result", "progress", "original_job_id", "node",
    ]

    /// The SQL types of `jobColumns` (text binds are cast to them on insert).
    static let jobTypes = [
        "text", "text", "integer", "text", "text", "text", "text", "text", "text", "integer", "integer", "bigint",
        "bigint", "bigint", "bigint", "bigint", "text", "text", "text", "text", "text", "text",
    ]

    static let batchTypes = ["text", "text", "text", "text", "text", "bigint", "bigint"]

    /// `SELECT` list giving every column as text, in canonical order; `prefix` qualifies the columns.
    static func selectList(_ columns: [String], prefix: String = "") -> String {
        // Aliased: `position::text` alone is an output column named `position`, and `ORDER BY position` then
        // sorts the text ("10" before "2"), not the table's integer column.
        columns.map { "\(prefix)\($0)::text AS text_\($0)" }.joined(separator: ", ")
    }
}
