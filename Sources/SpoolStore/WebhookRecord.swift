import GRDB
import SpoolCore

/// A job's webhook delivery (docs/webhooks.md): where to send its outcome, and how far sending got.
package struct WebhookRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "webhook"

    /// `webhook_status` in the job's status file.
    package enum State: String, Codable, Sendable {
        case pending, delivered, failed
    }

    package var jobId: String
    package var url: String
    /// `enable_progress_webhook`: stage events while the job runs.
    package var progress: Bool
    package var state: State = .pending
    /// Attempts made at the outcome event.
    package var attempts: Int = 0
    /// Unix ms before which the next attempt is not made (the backoff).
    package var nextAttemptAt: Int64 = 0
    /// Unix ms of the last progress event sent.
    package var lastProgressAt: Int64?
    package var lastError: String?

    package init(jobId: String, url: String, progress: Bool) {
        self.jobId = jobId
        self.url = url
        self.progress = progress
    }
}

extension Store {
    /// Records a job's webhook (a new job: state `pending`).
    package func insertWebhook(_ hook: WebhookRecord) throws {
        try writer.write { db in try hook.insert(db, onConflict: .ignore) }
    }

    package func webhook(jobID: String) throws -> WebhookRecord? {
        try writer.read { db in try WebhookRecord.fetchOne(db, key: jobID) }
    }

    /// Pending webhooks with their jobs: those due for the outcome (terminal job, backoff over) and, when
    /// asked for, those of running jobs for progress events.
    package func pendingWebhooks() throws -> [(WebhookRecord, JobRecord)] {
        try writer.read { db in
            let hooks = try WebhookRecord.filter(Column("state") == WebhookRecord.State.pending.rawValue).fetchAll(db)
            return try hooks.compactMap { hook in
                try JobRecord.fetchOne(db, key: hook.jobId).map { (hook, $0) }
            }
        }
    }

    /// Every job's `webhook_status`, for rebuilding status files.
    package func webhookStates() throws -> [String: String] {
        try writer.read { db in
            try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT jobId, state FROM webhook").map {
                    (row: Row) -> (String, String) in (row["jobId"], row["state"])
                })
        }
    }

    /// Saves a delivery's progress (attempts, backoff, end state).
    package func saveWebhook(_ hook: WebhookRecord) throws {
        try writer.write { db in try hook.update(db) }
    }
}
