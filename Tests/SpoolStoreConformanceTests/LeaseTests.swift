import Foundation
import SpoolCore
import SpoolPostgres
import SpoolStore
import Testing

/// The lease and fencing rules of the PostgreSQL engine: expired, stolen, renewed.
@Suite("PostgreSQL leases and fencing", .timeLimit(.minutes(3)))
struct LeaseTests {
    @Test(
        "a claim records node, token and lease; SKIP LOCKED claims give two nodes different jobs",
        arguments: Engine.postgresOnly)
    func claim(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 3)
            _ = try await store.insertBatches([(batch, jobs)])
            async let a = store.claimNext(node: "a", leaseSeconds: 30, at: 1_200)
            async let b = store.claimNext(node: "b", leaseSeconds: 30, at: 1_200)
            let (first, second) = (try #require(try await a), try #require(try await b))
            #expect(Set([first.job.id, second.job.id]) == [jobs[0].id, jobs[1].id])
            #expect(first.token != second.token && first.job.status == .processing && first.job.attempt == 1)
            #expect(first.job.startedAt == 1_200 && first.job.queueWaitMs == 200)
            let third = try #require(try await store.claimNext(node: "a", leaseSeconds: 30, at: 1_300))
            #expect(third.job.id == jobs[2].id)
            #expect(try await store.claimNext(node: "a", leaseSeconds: 30, at: 1_300) == nil)
        }
    }

    @Test(
        "expired: the lease runs out, the job goes back to Pending uncounted, the late write is refused",
        arguments: Engine.postgresOnly)
    func expired(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 1))])
            let lease = try #require(try await store.claimNext(node: "a", leaseSeconds: 5, at: 1_100))
            var progress = lease.job
            progress.progress = JobProgress(recordedSeconds: 1, maxDurationSeconds: 10)
            #expect(try await store.saveLeased(progress, token: lease.token))
            #expect(try await store.rescueExpiredLeases().isEmpty)  // still current

            try await store.expireLeases(of: lease.job.id)
            var late = lease.job
            late.state = JobState(status: .completed, step: .finished)
            #expect(try await store.saveLeased(late, token: lease.token) == false)  // past its lease
            #expect(try await store.rescueExpiredLeases() == [lease.job.id])
            let back = try #require(try await store.fetchJob(id: lease.job.id))
            #expect(back.status == .pending && back.step == .queued && back.attempt == 0 && back.progress == nil)
            #expect(try await store.saveLeased(late, token: lease.token) == false)  // no lease at all now
            #expect(try await store.fetchJob(id: lease.job.id)?.status == .pending)
        }
    }

    @Test(
        "stolen: after a rescue another node claims the job; only the new token writes", arguments: Engine.postgresOnly)
    func stolen(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 1))])
            let old = try #require(try await store.claimNext(node: "a", leaseSeconds: 5, at: 1_100))
            try await store.expireLeases(of: old.job.id)
            _ = try await store.rescueExpiredLeases()
            let new = try #require(try await store.claimNext(node: "b", leaseSeconds: 30, at: 1_200))
            #expect(new.job.id == old.job.id && new.token != old.token && new.job.attempt == 1)

            var zombie = old.job
            zombie.state = JobState(status: .completed, step: .finished)
            zombie.error = "written by the node that lost the job"
            #expect(try await store.saveLeased(zombie, token: old.token) == false)
            var done = new.job
            done.state = JobState(status: .completed, step: .finished)
            done.finishedAt = 2_000
            #expect(try await store.saveLeased(done, token: new.token))
            #expect(try await store.fetchJob(id: old.job.id) == done)
        }
    }

    @Test("renewed: a heartbeat extends its node's leases, so the rescue leaves them", arguments: Engine.postgresOnly)
    func renewed(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 2))])
            let mine = try #require(try await store.claimNext(node: "a", leaseSeconds: 5, at: 1_100))
            let theirs = try #require(try await store.claimNext(node: "b", leaseSeconds: 5, at: 1_100))
            // Both leases almost over; only node a's heartbeat comes.
            try await store.expireLeases(of: mine.job.id, secondsLeft: 1)
            try await store.expireLeases(of: theirs.job.id, secondsLeft: 1)
            #expect(try await store.heartbeat(node: "a", leaseSeconds: 30) == 1)
            try await Task.sleep(for: .seconds(1.5))
            #expect(try await store.rescueExpiredLeases() == [theirs.job.id])
            #expect(try await store.saveLeased(mine.job, token: mine.token))
            #expect(try await store.fetchJob(id: mine.job.id)?.status == .processing)
        }
    }
}
