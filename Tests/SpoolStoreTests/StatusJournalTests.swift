import Foundation
import GRDB
import SpoolCore
import Testing

@testable import SpoolStore

@Suite("Store.StatusJournal: dirty batches and jobs since the status files were last complete")
struct StatusJournalTests {
    func jobIDs(_ store: Store) throws -> Set<String> { Set(try store.statusJournal().jobs.map(\.id)) }
    func batchIDs(_ store: Store) throws -> Set<String> { Set(try store.statusJournal().batches.map(\.id)) }

    @Test("a new batch puts the batch and every one of its jobs in the journal")
    func insertsAreDirty() throws {
        let store = try makeMemoryStore()
        let (batch, jobs) = try seed(store, count: 3)
        #expect(try jobIDs(store) == Set(jobs.map(\.id)))
        #expect(try batchIDs(store) == [batch.id])
    }

    @Test("every status-changing write records its job again, with a later seq")
    func updatesAreDirty() throws {
        let store = try makeMemoryStore()
        let (batch, jobs) = try seed(store, count: 3)
        let before = try store.statusJournal()
        try store.clearStatusJournal(seqs: before.jobs.map(\.seq) + before.batches.map(\.seq))
        #expect(try store.statusJournal().isEmpty)

        _ = try #require(try store.startJob(id: jobs[0].id, at: 2_000))
        #expect(try jobIDs(store) == [jobs[0].id])
        var saved = try #require(try store.job(id: jobs[1].id))
        saved.progress = JobProgress(percent: 12)
        try store.save(saved)
        #expect(try jobIDs(store) == [jobs[0].id, jobs[1].id])
        let requeued = try store.requeueInterrupted()
        #expect(requeued == [jobs[0].id])
        let afterRequeue = try store.statusJournal()
        let first = try #require(before.jobs.first { $0.id == jobs[0].id })
        let now = try #require(afterRequeue.jobs.first { $0.id == jobs[0].id })
        #expect(now.seq > first.seq)
        #expect(afterRequeue.jobs.filter { $0.id == jobs[0].id }.count == 1, "one row per job")

        try store.setBatchFinished(id: batch.id, at: 3_000)
        #expect(try batchIDs(store) == [batch.id])
        var retry = makeJobs(batchID: batch.id, count: 1)[0]
        retry.originalJobId = jobs[2].id
        let appended = try store.appendJobs([retry], toBatch: batch.id)
        #expect(try jobIDs(store).contains(appended[0].id))
    }

    @Test("clearing by seq keeps a change made after the entries were read")
    func clearKeepsLaterChanges() throws {
        let store = try makeMemoryStore()
        let (_, jobs) = try seed(store, count: 2)
        let read = try store.statusJournal()
        _ = try store.startJob(id: jobs[0].id, at: 2_000)  // after the read: a new seq for jobs[0]
        try store.clearStatusJournal(seqs: read.jobs.map(\.seq) + read.batches.map(\.seq))
        #expect(try jobIDs(store) == [jobs[0].id])
        #expect(try batchIDs(store).isEmpty)
    }

    @Test("the clean stop's seal empties the journal; the next change is recorded again")
    func sealClears() throws {
        try withTempDirectory { dir in
            let store = try Store(path: dir + "/spool.sqlite")
            let (_, jobs) = try seed(store, count: 4)
            #expect(try Store.Startup(path: dir + "/spool.sqlite").statusJournal().jobs.count == 4)
            _ = try Store.Startup(path: dir + "/spool.sqlite").seal()
            #expect(try store.statusJournal().isEmpty)
            _ = try store.startJob(id: jobs[3].id, at: 2_000)
            #expect(try Store.Startup(path: dir + "/spool.sqlite").statusJournal().jobs.map(\.id) == [jobs[3].id])
        }
    }

    @Test("a database from before the journal starts with every batch and job in it")
    func migrationSeedsExistingRows() throws {
        let queue = try DatabaseQueue()
        let migrator = Schema.migrator
        try migrator.migrate(queue, upTo: "v2-startup-seal")
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO batch (id, source, createdAt) VALUES ('b1', 'x.json', 1), ('b2', 'y.json', 2)")
            try db.execute(
                sql: """
                    INSERT INTO job (id, batchId, position, url, options, status, step, createdAt)
                    VALUES ('j1', 'b1', 0, 'https://e/1', '{}', 'Pending', 'Queued', 1),
                           ('j2', 'b2', 0, 'https://e/2', '{}', 'Completed', 'Finished', 2)
                    """)
        }
        let store = try Store(writer: queue)
        #expect(try jobIDs(store) == ["j1", "j2"])
        #expect(try batchIDs(store) == ["b1", "b2"])
    }
}
