import Foundation
import GRDB
import SpoolCore
import Testing

@testable import SpoolStore

@Suite("Status journal and webhooks: webhook_status is part of the job's status file")
struct WebhookJournalTests {
    @Test("a webhook row inserted or updated makes its job's status file dirty")
    func webhookChangesAreDirty() throws {
        let store = try makeMemoryStore()
        let (_, jobs) = try seed(store, count: 2)
        let before = try store.statusJournal()
        try store.clearStatusJournal(seqs: before.jobs.map(\.seq) + before.batches.map(\.seq))
        #expect(try store.statusJournal().isEmpty)

        try store.insertWebhook(WebhookRecord(jobId: jobs[1].id, url: "https://example.com/hook", progress: false))
        #expect(try Set(store.statusJournal().jobs.map(\.id)) == [jobs[1].id])

        let read = try store.statusJournal()
        try store.clearStatusJournal(seqs: read.jobs.map(\.seq) + read.batches.map(\.seq))
        try store.writer.write { db in
            try db.execute(sql: "UPDATE webhook SET state = 'delivered' WHERE jobId = ?", arguments: [jobs[1].id])
        }
        #expect(try Set(store.statusJournal().jobs.map(\.id)) == [jobs[1].id])
        #expect(try store.statusJournal().batches.isEmpty)
    }
}
