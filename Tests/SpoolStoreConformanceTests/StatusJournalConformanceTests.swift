import Foundation
import GRDB
import PostgresNIO
import SpoolCore
import SpoolPostgres
import Testing

@testable import SpoolStore

/// The status journal (SQLite's v3, PostgreSQL's migration 3) and the migrations that bring it and the
/// webhook table (v4 / 4), against both engines.
@Suite("Store conformance: the status journal and migrations 3 and 4", .timeLimit(.minutes(3)))
struct StatusJournalConformanceTests {
    @Test(
        "inserts, updates and webhook changes mark their IDs; clearing the seqs read keeps a later change",
        arguments: Engine.tested)
    func journal(engine: Engine) async throws {
        try await engine.withStore { store in
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 3)
            _ = try await store.insertBatches([(batch, jobs)])
            let inserted = try await store.fetchStatusJournal()
            #expect(Set(inserted.batches.map(\.id)) == [batch.id])
            #expect(Set(inserted.jobs.map(\.id)) == Set(jobs.map(\.id)))
            try await clear(store, inserted)
            #expect(try await store.fetchStatusJournal().isEmpty)

            try await store.finishBatch(id: batch.id, at: 9_000)
            var journal = try await store.fetchStatusJournal()
            #expect(journal.batches.map(\.id) == [batch.id] && journal.jobs.isEmpty)
            try await clear(store, journal)

            let started = try #require(try await store.startAttempt(id: jobs[0].id, at: 1_100))
            try await store.insertWebhookDelivery(
                WebhookRecord(jobId: jobs[1].id, url: "https://example.com/hook", progress: false))
            journal = try await store.fetchStatusJournal()
            #expect(Set(journal.jobs.map(\.id)) == [jobs[0].id, jobs[1].id] && journal.batches.isEmpty)

            // After the read, both jobs change again (a save, a webhook save): clearing what was read keeps them.
            var hook = try #require(try await store.fetchWebhook(jobID: jobs[1].id))
            hook.state = .delivered
            try await store.saveWebhookDelivery(hook)
            var waiting = started
            waiting.state = JobState(status: .processing, step: .waiting)
            #expect(try await store.saveJob(waiting))
            try await clear(store, journal)
            let after = try await store.fetchStatusJournal()
            #expect(Set(after.jobs.map(\.id)) == [jobs[0].id, jobs[1].id] && after.batches.isEmpty)
            let readSeqs = Set(journal.jobs.map(\.seq))
            #expect(after.jobs.allSatisfy { !readSeqs.contains($0.seq) && $0.seq > 0 })
            try await clear(store, after)

            // A second delivery for a job is ignored and marks nothing; retries mark the batch and new jobs.
            try await store.insertWebhookDelivery(
                WebhookRecord(jobId: jobs[1].id, url: "https://example.com/again", progress: true))
            #expect(try await store.fetchStatusJournal().isEmpty)
            let retries = try await store.appendRetryJobs(
                makeJobs(batchID: batch.id, count: 1).map {
                    var job = $0
                    job.position = 0
                    return job
                },
                toBatch: batch.id)
            journal = try await store.fetchStatusJournal()
            #expect(journal.batches.map(\.id) == [batch.id] && journal.jobs.map(\.id) == retries.map(\.id))
            try await store.clearStatusJournalEntries(seqs: [])
            #expect(try await store.fetchStatusJournal() == journal)
        }
    }

    @Test("migrations from empty reach version 4 (the journal and webhook tables)", arguments: Engine.tested)
    func migrations(engine: Engine) async throws {
        switch engine {
        case .sqlite:
            let queue = try DatabaseQueue()
            _ = try Store(writer: queue)
            let applied = try await queue.read { db in try Schema.migrator.appliedIdentifiers(db) }
            #expect(applied.isSuperset(of: ["v1", "v2-startup-seal", "v3-status-journal", "v4-webhook-delivery"]))
        case .postgres:
            try await engine.withStore { store in
                let store = try #require(store as? PostgresStore)
                #expect(Array(try await store.appliedMigrations().prefix(4)) == [1, 2, 3, 4])
                let tables = try await store.client.withConnection { connection in
                    var names: Set<String> = []
                    let rows = try await connection.query(
                        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'", logger: Engine.logger)
                    for try await name in rows.decode(String.self) { names.insert(name) }
                    return names
                }
                #expect(tables.isSuperset(of: ["batch", "job", "node", "startup_seal", "status_dirty", "webhook"]))
            }
        }
    }

    @Test(
        "PostgreSQL: a change another node has not committed yet survives a clear of the entry read before it",
        arguments: Engine.postgresOnly)
    func clearDuringUncommittedChange(engine: Engine) async throws {
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 1)
            _ = try await store.insertBatches([(batch, jobs)])
            let read = try await store.fetchStatusJournal()
            let readSeq = try #require(read.jobs.first?.seq)
            try await store.client.withConnection { other in
                // "Another node" changes the job and holds its transaction open while the clear runs.
                try await other.query("BEGIN", logger: Engine.logger)
                try await other.query("UPDATE job SET error = 'later' WHERE id = \(jobs[0].id)", logger: Engine.logger)
                async let clearing: Void = store.clearStatusJournalEntries(seqs: read.jobs.map(\.seq))
                // Commit once the clear waits on this transaction's row (polled, bounded: a loaded machine only
                // makes the wait longer); the outcome is checked either way.
                do {
                    var polls = 0
                    while try await waitingOnLocks(store.client) == 0, polls < 600 {
                        polls += 1
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    #expect(
                        try await waitingOnLocks(store.client) == 1, "the clear never waited on the open transaction")
                    try await other.query("COMMIT", logger: Engine.logger)
                } catch {
                    _ = try? await other.query("ROLLBACK", logger: Engine.logger)  // never leave the clear waiting
                    throw error
                }
                try await clearing
            }
            let after = try await store.fetchStatusJournal()
            #expect(after.jobs.map(\.id) == [jobs[0].id])
            #expect(after.jobs.first.map { $0.seq != readSeq } == true)
            #expect(try await store.fetchJob(id: jobs[0].id)?.error == "later")
        }
    }

    /// Sessions of this database waiting for a lock, asked on a pooled connection outside the open transaction
    /// (inside one, pg_stat_activity is a snapshot taken at its first read).
    private func waitingOnLocks(_ client: PostgresClient) async throws -> Int {
        var count = 0
        let rows = try await client.query(
            """
            SELECT COUNT(*) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
            """, logger: Engine.logger)
        for try await value in rows.decode(Int.self) { count = value }
        return count
    }

    private func clear(_ store: any StoreEngine, _ journal: Store.StatusJournal) async throws {
        try await store.clearStatusJournalEntries(seqs: journal.jobs.map(\.seq) + journal.batches.map(\.seq))
    }
}
