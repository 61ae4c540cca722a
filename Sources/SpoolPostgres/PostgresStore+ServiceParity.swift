import SpoolCore
import SpoolStore

// TEMPORARY (lead, 14:40): the PostgreSQL engine of the service-side StoreEngine methods is being written on
// branch wip-pgparity, which replaces this file. Until then these refuse, so nothing can call them by accident.
extension PostgresStore {
    private func notYet(_ what: String) -> PostgresStoreError {
        PostgresStoreError(message: "\(what) is not available on PostgreSQL yet")
    }

    package func insertWebhookDelivery(_ hook: WebhookRecord) async throws { throw notYet("webhooks") }
    package func fetchWebhook(jobID: String) async throws -> WebhookRecord? { throw notYet("webhooks") }
    package func fetchPendingWebhooks() async throws -> [(WebhookRecord, JobRecord)] { throw notYet("webhooks") }
    package func fetchWebhookStates() async throws -> [String: String] { throw notYet("webhooks") }
    package func saveWebhookDelivery(_ hook: WebhookRecord) async throws { throw notYet("webhooks") }
    package func savePurgedJob(_ job: JobRecord) async throws -> Bool { throw notYet("purge") }
    package func fetchStatusJournal() async throws -> Store.StatusJournal { throw notYet("the status journal") }
    package func clearStatusJournalEntries(seqs: [Int64]) async throws { throw notYet("the status journal") }
}
