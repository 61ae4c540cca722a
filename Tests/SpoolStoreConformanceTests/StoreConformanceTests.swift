import SpoolCore
import SpoolStore
import Testing

/// `StoreEngine` against both engines: the same calls must give the same answers.
@Suite("Store conformance: batches and reads", .timeLimit(.minutes(3)))
struct StoreConformanceTests {
    @Test("a new store is empty and migrated", arguments: Engine.tested)
    func emptyStore(engine: Engine) async throws {
        try await engine.withStore { store in
            #expect(try await store.fetchBatches().isEmpty)
            #expect(try await store.fetchAllJobs().isEmpty)
            #expect(try await store.countJobsByStatus().isEmpty)
            #expect(try await store.countQueuedJobs() == 0)
            let ids = try await store.fetchAllIDs()
            #expect(ids.batches.isEmpty && ids.jobs.isEmpty)
        }
    }

    @Test("batches and jobs read back as inserted, in the documented orders", arguments: Engine.tested)
    func insertAndRead(engine: Engine) async throws {
        try await engine.withStore { store in
            let late = makeBatch(claim: "late.json", key: "k-late", createdAt: 2_000)
            let early = makeBatch(claim: "early.json", createdAt: 1_000)
            let lateJobs = makeJobs(batchID: late.id, count: 3, createdAt: 2_000)
            var earlyJobs = makeJobs(batchID: early.id, count: 2, createdAt: 1_000)
            earlyJobs.append(everyField(batchID: early.id, position: 2))
            let outcomes = try await store.insertBatches([(late, lateJobs), (early, earlyJobs)])
            #expect(outcomes.map(\.created) == [true, true])

            #expect(try await store.fetchBatch(id: late.id) == late)
            #expect(try await store.fetchBatch(id: "nope") == nil)
            #expect(try await store.fetchBatch(claimName: "early.json") == early)
            #expect(try await store.fetchBatch(claimName: "other.json") == nil)
            #expect(try await store.fetchBatches() == [early, late])
            #expect(try await store.fetchJobs(batchID: early.id) == earlyJobs)
            #expect(try await store.fetchJob(id: earlyJobs[2].id) == earlyJobs[2])
            #expect(try await store.fetchJob(id: "nope") == nil)
            let some = try await store.fetchJobs(ids: [lateJobs[1].id, "nope", earlyJobs[0].id])
            #expect(Set(some.map(\.id)) == [lateJobs[1].id, earlyJobs[0].id])
            #expect(try await store.fetchJobs(ids: []).isEmpty)
            #expect(try await store.fetchAllJobs().map(\.id) == (earlyJobs + lateJobs).map(\.id))
            #expect(try await store.fetchPendingJobs().map(\.id) == (earlyJobs.prefix(2) + lateJobs).map(\.id))
            #expect(try await store.fetchJobs(status: .completed) == [earlyJobs[2]])
            #expect(try await store.countJobsByStatus() == [.pending: 5, .completed: 1])
            #expect(try await store.countQueuedJobs() == 5)
            let ids = try await store.fetchAllIDs()
            #expect(Set(ids.batches) == [early.id, late.id])
            #expect(Set(ids.jobs) == Set((earlyJobs + lateJobs).map(\.id)))
        }
    }

    @Test("a known claim name or idempotency key answers with the first batch", arguments: Engine.tested)
    func knownClaimOrKey(engine: Engine) async throws {
        try await engine.withStore { store in
            let first = makeBatch(claim: "a.json", key: "key-1")
            let firstJobs = makeJobs(batchID: first.id, count: 2)
            let sameClaim = makeBatch(claim: "a.json")
            let sameKey = makeBatch(claim: "b.json", key: "key-1")
            let other = makeBatch(claim: "c.json", key: "key-2")
            let repeatOther = makeBatch(claim: "d.json", key: "key-2")  // same group: sees `other`
            let outcomes = try await store.insertBatches([
                (first, firstJobs), (sameClaim, makeJobs(batchID: sameClaim.id, count: 1)),
                (sameKey, makeJobs(batchID: sameKey.id, count: 1)), (other, []), (repeatOther, []),
            ])
            #expect(outcomes.map(\.created) == [true, false, false, true, false])
            #expect(outcomes[1].batch == first && outcomes[1].jobs == firstJobs)
            #expect(outcomes[2].batch == first && outcomes[2].jobs == firstJobs)
            #expect(outcomes[4].batch == other)
            // A later call sees them too, and nothing of the refused batches was written.
            let again = try await store.insertBatches([(makeBatch(key: "key-1"), [])])
            #expect(again[0].batch == first)
            #expect(try await store.fetchBatches().map(\.id).sorted() == [first.id, other.id].sorted())
            #expect(try await store.fetchAllJobs().count == 2)
        }
    }

    @Test("finishing a batch, appending retries, requeueing interrupted jobs", arguments: Engine.tested)
    func batchLifecycle(engine: Engine) async throws {
        try await engine.withStore { store in
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 3)
            _ = try await store.insertBatches([(batch, jobs)])
            try await store.finishBatch(id: batch.id, at: 5_000)
            #expect(try await store.fetchBatch(id: batch.id)?.finishedAt == 5_000)

            let retries = makeJobs(batchID: batch.id, count: 2).map { job in
                var job = job
                job.position = 0  // the store decides
                return job
            }
            let appended = try await store.appendRetryJobs(retries, toBatch: batch.id)
            #expect(appended.map(\.position) == [3, 4])
            #expect(try await store.fetchJobs(batchID: batch.id).map(\.id) == (jobs + retries).map(\.id))
            #expect(try await store.fetchBatch(id: batch.id)?.finishedAt == nil)

            let started = try #require(try await store.startAttempt(id: jobs[0].id, at: 1_500))
            var waiting = try #require(try await store.startAttempt(id: jobs[1].id, at: 1_500))
            waiting.state = JobState(status: .processing, step: .waiting)
            waiting.nextRetryAt = 9_000
            #expect(try await store.saveJob(waiting))
            #expect(try await store.countQueuedJobs() == 4)  // 3 Pending + 1 waiting for its retry
            let requeued = try await store.requeueProcessingJobs()
            #expect(Set(requeued) == [started.id, waiting.id])
            let back = try #require(try await store.fetchJob(id: waiting.id))
            #expect(back.status == .pending && back.step == .queued && back.nextRetryAt == nil)
            #expect(back.attempt == 1)
            #expect(try await store.requeueProcessingJobs().isEmpty)
        }
    }

    @Test("start-up: the batches, then every batch's jobs in position order", arguments: Engine.tested)
    func streamBatches(engine: Engine) async throws {
        try await engine.withStore { store in
            let a = makeBatch(createdAt: 1_000)
            let b = makeBatch(createdAt: 2_000)
            let aJobs = makeJobs(batchID: a.id, count: 4)
            let bJobs = makeJobs(batchID: b.id, count: 2)
            _ = try await store.insertBatches([(b, bJobs), (a, aJobs)])
            let seen = Recorder()
            try await store.streamBatchesOfJobs(
                batches: { seen.batches = $0.map(\.id) }, { id, jobs in seen.groups[id] = jobs.map(\.id) })
            #expect(seen.batches == [a.id, b.id])
            #expect(seen.groups == [a.id: aJobs.map(\.id), b.id: bJobs.map(\.id)])
        }
    }

    @Test("the clean-shutdown seal: stored once, removed by the next start-up", arguments: Engine.tested)
    func seal(engine: Engine) async throws {
        try await engine.withStore { store in
            #expect(try await store.unsealCleanShutdown() == nil)
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 3))])
            let seal = try await store.sealCleanShutdown()
            #expect(seal.jobs == 3 && seal.batches == 1 && seal.maxJobRowID >= 3 && seal.maxBatchRowID >= 1)
            #expect(try await store.unsealCleanShutdown() == seal)
            #expect(try await store.unsealCleanShutdown() == nil)
            let second = try await store.sealCleanShutdown()
            #expect(second.token != seal.token)
        }
    }
}

/// Collects what a synchronous callback saw (the callbacks run one after another).
final class Recorder: @unchecked Sendable {
    var batches: [String] = []
    var groups: [String: [String]] = [:]
}
