import SpoolCore
import SpoolStore
import Testing

/// The scheduler's queries (`JobStore`) and the schema's constraints, against both engines.
@Suite("Store conformance: jobs and constraints", .timeLimit(.minutes(3)))
struct JobConformanceTests {
    @Test("startAttempt starts a job once; saveJob never changes a terminal job", arguments: Engine.tested)
    func startAndSave(engine: Engine) async throws {
        try await engine.withStore { store in
            let batch = makeBatch(createdAt: 1_000)
            let jobs = makeJobs(batchID: batch.id, count: 2)
            _ = try await store.insertBatches([(batch, jobs)])

            var started = try #require(try await store.startAttempt(id: jobs[0].id, at: 1_250))
            #expect(started.status == .processing && started.step == .downloading)
            #expect(started.attempt == 1 && started.startedAt == 1_250 && started.queueWaitMs == 250)
            #expect(try await store.startAttempt(id: jobs[0].id, at: 1_300) == nil)
            #expect(try await store.startAttempt(id: "nope", at: 1_300) == nil)
            #expect(try await store.fetchJob(id: jobs[0].id) == started)

            started.progress = JobProgress(recordedSeconds: 1.5, maxDurationSeconds: 10)
            #expect(try await store.saveJob(started))
            #expect(try await store.fetchJob(id: jobs[0].id) == started)

            var done = started
            done.state = JobState(status: .completed, step: .finished)
            done.finishedAt = 2_000
            var result = JobResult()
            result.s3Key = "f/g/video 0.mp4"
            done.result = result
            #expect(try await store.saveJob(done))
            #expect(try await store.saveJob(done))  // the same values again: accepted, nothing changes
            var late = started
            late.error = "a late write from a stopped runner"
            #expect(try await store.saveJob(late) == false)
            #expect(try await store.fetchJob(id: jobs[0].id) == done)

            var ghost = jobs[1]
            ghost.id = "not-in-the-store"
            #expect(try await store.saveJob(ghost) == false)
        }
    }

    @Test("a retry-waiting job resumes downloading and counts the attempt", arguments: Engine.tested)
    func resumeRetry(engine: Engine) async throws {
        try await engine.withStore { store in
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 1)
            _ = try await store.insertBatches([(batch, jobs)])
            var waiting = try #require(try await store.startAttempt(id: jobs[0].id, at: 1_100))
            waiting.state = JobState(status: .processing, step: .waiting)
            waiting.nextRetryAt = 1_500
            #expect(try await store.saveJob(waiting))
            let resumed = try #require(try await store.startAttempt(id: jobs[0].id, at: 1_600))
            #expect(resumed.step == .downloading && resumed.attempt == 2 && resumed.nextRetryAt == nil)
            #expect(resumed.startedAt == 1_100)
        }
    }

    @Test(
        "pending heads: one per unfinished batch, oldest first, honouring excluding and live", arguments: Engine.tested)
    func pendingHeads(engine: Engine) async throws {
        try await engine.withStore { store in
            let old = makeBatch(createdAt: 1_000)
            let live = makeBatch(createdAt: 2_000)
            let finished = makeBatch(createdAt: 500)
            let oldJobs = makeJobs(batchID: old.id, count: 3, createdAt: 1_000)
            let liveJobs = makeJobs(
                batchID: live.id, count: 2, createdAt: 2_000, options: JobOptions(format: "mp4", liveRecording: true))
            let finishedJobs = makeJobs(batchID: finished.id, count: 1, createdAt: 500)
            _ = try await store.insertBatches([(live, liveJobs), (old, oldJobs), (finished, finishedJobs)])
            try await store.finishBatch(id: finished.id, at: 900)

            #expect(
                try await store.fetchPendingHeads(excluding: [], live: nil).map(\.id) == [
                    oldJobs[0].id, liveJobs[0].id,
                ])
            #expect(try await store.fetchPendingHeads(excluding: [], live: true).map(\.id) == [liveJobs[0].id])
            #expect(try await store.fetchPendingHeads(excluding: [], live: false).map(\.id) == [oldJobs[0].id])
            let skipping = try await store.fetchPendingHeads(excluding: [oldJobs[0].id, liveJobs[0].id], live: nil)
            #expect(skipping.map(\.id) == [oldJobs[1].id, liveJobs[1].id])
            _ = try await store.startAttempt(id: oldJobs[0].id, at: 1_100)
            #expect(try await store.fetchPendingHeads(excluding: [], live: false).map(\.id) == [oldJobs[1].id])
        }
    }

    @Test("the database refuses a second batch with a known claim name or idempotency key", arguments: Engine.tested)
    func uniqueBatchKeys(engine: Engine) async throws {
        try await engine.withStore { store in
            let first = makeBatch(claim: "x.json", key: "key-x")
            try await Engine.insertRaw(store, batches: [first.canonicalRow])
            for twin in [makeBatch(claim: "x.json"), makeBatch(claim: "y.json", key: "key-x"), makeBatch(id: first.id)]
            {
                let error = await #expect(throws: (any Error).self) {
                    try await Engine.insertRaw(store, batches: [twin.canonicalRow])
                }
                #expect(error.flatMap(Engine.constraint) == "unique", "\(String(describing: error))")
            }
            #expect(try await store.fetchBatches() == [first])
        }
    }

    @Test("the database refuses two jobs at one position and a status it does not know", arguments: Engine.tested)
    func jobConstraints(engine: Engine) async throws {
        try await engine.withStore { store in
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 1)
            try await Engine.insertRaw(store, batches: [batch.canonicalRow], jobs: [try jobs[0].canonicalRow()])

            var samePosition = makeJobs(batchID: batch.id, count: 1)[0]
            samePosition.position = jobs[0].position
            let positionError = await #expect(throws: (any Error).self) {
                try await Engine.insertRaw(store, batches: [], jobs: [try samePosition.canonicalRow()])
            }
            #expect(positionError.flatMap(Engine.constraint) == "unique")

            var row = try makeJobs(batchID: batch.id, count: 2)[1].canonicalRow()
            row.values[7] = "Bogus"  // status
            let error = await #expect(throws: (any Error).self) {
                try await Engine.insertRaw(store, batches: [], jobs: [row])
            }
            #expect(error.flatMap(Engine.constraint) == "check", "\(String(describing: error))")
            #expect(try await store.fetchAllJobs() == jobs)
        }
    }
}
