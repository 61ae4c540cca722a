import SpoolPostgres
import SpoolStore
import Testing

/// An existing cluster database upgraded to migrations 3 and 4.
@Suite("PostgreSQL: upgrading to the status journal", .timeLimit(.minutes(3)))
struct StatusJournalUpgradeTests {
    @Test(
        "a database at migration 2 with rows: migrations 3 and 4 start every existing batch and job dirty",
        arguments: Engine.postgresOnly)
    func upgradeMarksExistingRows(engine: Engine) async throws {
        let server = try TestPostgres.shared()
        let url = try server.socketURL(try server.makeDatabase())
        try await PostgresStore.withStore(url: url, logger: Engine.logger, migrate: false) { store in
            #expect(try await store.migrate(through: 2) == [1, 2])
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 4)
            try await store.insertCanonicalRows(
                batches: [batch.canonicalRow], jobs: try jobs.map { try $0.canonicalRow() })
            #expect(Array(try await store.migrate().prefix(2)) == [3, 4])
            let journal = try await store.fetchStatusJournal()
            #expect(journal.batches.map(\.id) == [batch.id])
            #expect(journal.jobs.map(\.id) == jobs.map(\.id))  // in insertion (seq) order
            try await store.insertWebhookDelivery(
                WebhookRecord(jobId: jobs[2].id, url: "https://example.com/after-upgrade", progress: false))
            #expect(try await store.fetchWebhookStates() == [jobs[2].id: "pending"])
        }
    }
}
