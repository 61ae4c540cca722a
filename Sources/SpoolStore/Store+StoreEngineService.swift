import Foundation
import GRDB
import SpoolCore

/// The SQLite engine of the service-side `StoreEngine` methods (webhooks, purge, status journal): the
/// synchronous API's transactions, through GRDB's async `read`/`write`.
extension Store {
    package func insertWebhookDelivery(_ hook: WebhookRecord) async throws {
        try await write { db in try hook.insert(db, onConflict: .ignore) }
    }

    package func fetchWebhook(jobID: String) async throws -> WebhookRecord? {
        try await read { db in try WebhookRecord.fetchOne(db, key: jobID) }
    }

    package func fetchPendingWebhooks() async throws -> [(WebhookRecord, JobRecord)] {
        try await read { db in
            let hooks = try WebhookRecord.filter(Column("state") == WebhookRecord.State.pending.rawValue).fetchAll(db)
            return try hooks.compactMap { hook in try JobRecord.fetchOne(db, key: hook.jobId).map { (hook, $0) } }
        }
    }

    package func fetchWebhookStates() async throws -> [String: String] {
        try await read { db in
            try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT jobId, state FROM webhook").map {
                    (row: Row) -> (String, String) in (row["jobId"], row["state"])
                })
        }
    }

    package func saveWebhookDelivery(_ hook: WebhookRecord) async throws {
        try await write { db in try hook.update(db) }
    }

    package func savePurgedJob(_ job: JobRecord) async throws -> Bool {
        try await write { db in
            guard let current = try JobRecord.fetchOne(db, key: job.id), current.status == .completed,
                job.status == .completed
            else { return false }
            try job.update(db)
            return true
        }
    }

    package func fetchStatusJournal() async throws -> StatusJournal {
        try await read { db in try StatusJournal.read(db) }
    }

    package func clearStatusJournalEntries(seqs: [Int64]) async throws {
        guard !seqs.isEmpty else { return }
        try await write { db in try StatusJournal.clear(seqs: seqs, db) }
    }
}
