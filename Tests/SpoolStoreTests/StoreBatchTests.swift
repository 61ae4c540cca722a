import Foundation
import GRDB
import SpoolCore
import Testing

@testable import SpoolStore

@Suite("Store: batches")
struct StoreBatchTests {
    @Test("createBatch inserts the batch and all its jobs and returns .created")
    func createInsertsEverything() throws {
        let store = try makeMemoryStore()
        let batch = makeBatch(claim: "drop.json.claimed", key: "key-1", folder: "a/b")
        let jobs = makeJobs(batchID: batch.id, count: 3)
        let outcome = try store.createBatch(batch, jobs: jobs)
        #expect(outcome == .created(batch, jobs))
        #expect(try store.batch(id: batch.id) == batch)
        #expect(try store.jobs(batchID: batch.id) == jobs)
        #expect(try store.allJobs().count == 3)
        let stored = try #require(try store.job(id: jobs[1].id))
        #expect(stored.status == .pending)
        #expect(stored.step == .queued)
        #expect(stored.attempt == 0)
        #expect(stored.options == JobOptions())
    }

    @Test("createBatch is one transaction: a failing job insert leaves neither batch nor jobs")
    func createIsAtomic() throws {
        let store = try makeMemoryStore()
        let batch = makeBatch(key: "atomic")
        var jobs = makeJobs(batchID: batch.id, count: 3)
        jobs[2].position = 0  // violates UNIQUE(batchId, position) after two rows went in
        #expect(throws: (any Error).self) { try store.createBatch(batch, jobs: jobs) }
        #expect(try store.batch(id: batch.id) == nil)
        #expect(try store.batches().isEmpty)
        #expect(try store.allJobs().isEmpty)
        #expect(try store.job(id: jobs[0].id) == nil)
    }

    @Test("a second batch with the same idempotency key returns the first batch and inserts nothing")
    func idempotencyKeyReturnsExisting() throws {
        let store = try makeMemoryStore()
        let first = makeBatch(key: "same-key", createdAt: 1_000)
        let firstJobs = makeJobs(batchID: first.id, count: 2)
        _ = try store.createBatch(first, jobs: firstJobs)

        let second = makeBatch(key: "same-key", createdAt: 2_000)
        let secondJobs = makeJobs(batchID: second.id, count: 5)
        let outcome = try store.createBatch(second, jobs: secondJobs)
        #expect(outcome == .existing(first, firstJobs))
        #expect(try store.batches() == [first])
        #expect(try store.allJobs().count == 2)
        #expect(try store.batch(id: second.id) == nil)
        #expect(try store.job(id: secondJobs[0].id) == nil)
    }

    @Test("the same claim name returns .existing (crash between commit and archive)")
    func claimNameReturnsExisting() throws {
        let store = try makeMemoryStore()
        let first = makeBatch(claim: "x.json.1234", key: nil)
        let firstJobs = makeJobs(batchID: first.id, count: 1)
        _ = try store.createBatch(first, jobs: firstJobs)

        let again = makeBatch(claim: "x.json.1234", key: "other-key")
        let outcome = try store.createBatch(again, jobs: makeJobs(batchID: again.id, count: 4))
        #expect(outcome == .existing(first, firstJobs))
        #expect(try store.batches().count == 1)
        #expect(try store.allJobs().count == 1)
        #expect(try store.batch(claimName: "x.json.1234") == first)
    }

    @Test("batches without key or claim are independent")
    func noKeyNoClaimAlwaysCreates() throws {
        let store = try makeMemoryStore()
        let (a, _) = try seed(store, count: 1, createdAt: 1)
        let (b, _) = try seed(store, count: 2, createdAt: 2)
        #expect(try store.batches().map(\.id) == [a.id, b.id])
        #expect(try store.allJobs().count == 3)
    }

    @Test("jobs(batchID:) returns jobs in position order whatever the insert order")
    func jobsKeepPositionOrder() throws {
        let store = try makeMemoryStore()
        let batch = makeBatch()
        let jobs = makeJobs(batchID: batch.id, count: 5)
        _ = try store.createBatch(batch, jobs: jobs.reversed())
        #expect(try store.jobs(batchID: batch.id).map(\.id) == jobs.map(\.id))
        #expect(try store.jobs(batchID: batch.id).map(\.position) == [0, 1, 2, 3, 4])
        #expect(try store.jobs(batchID: "no-such-batch").isEmpty)
    }

    @Test("appendJobs appends after the last position and reopens a finished batch")
    func appendJobsAfterLast() throws {
        let store = try makeMemoryStore()
        let (batch, jobs) = try seed(store, count: 3)
        try store.setBatchFinished(id: batch.id, at: 5_000)
        #expect(try store.batch(id: batch.id)?.finishedAt == 5_000)

        var retry = makeJobs(batchID: batch.id, count: 2)
        retry[0].originalJobId = jobs[0].id
        retry[1].originalJobId = jobs[2].id
        let inserted = try store.appendJobs(retry, toBatch: batch.id)
        #expect(inserted.map(\.position) == [3, 4])
        #expect(inserted.map(\.id) == retry.map(\.id))
        let all = try store.jobs(batchID: batch.id)
        #expect(all.map(\.id) == jobs.map(\.id) + retry.map(\.id))
        #expect(all.last?.originalJobId == jobs[2].id)
        #expect(try store.batch(id: batch.id)?.finishedAt == nil)
    }

    @Test("appendJobs into an empty batch starts at position 0")
    func appendJobsIntoEmptyBatch() throws {
        let store = try makeMemoryStore()
        let batch = makeBatch()
        _ = try store.createBatch(batch, jobs: [])
        let inserted = try store.appendJobs(makeJobs(batchID: batch.id, count: 2), toBatch: batch.id)
        #expect(inserted.map(\.position) == [0, 1])
    }
}
