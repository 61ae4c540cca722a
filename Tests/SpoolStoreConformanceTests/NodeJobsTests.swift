import Foundation
import SpoolCore
import SpoolPostgres
import SpoolStore
import Testing

/// `NodeJobs`, the scheduler's store on a cluster node, on a real PostgreSQL: the lease and fencing rules as
/// the scheduler meets them (expired, stolen, renewed, ended by another node's cancel, unconfirmable).
@Suite("NodeJobs: leases as the scheduler sees them", .timeLimit(.minutes(3)))
struct NodeJobsTests {
    @Test(
        "a claim is held: only its own running jobs are listed, heads are empty, the completion ends the lease",
        arguments: Engine.postgresOnly)
    func held(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 2))])
            let a = NodeJobs(store: store, node: "a", leaseSeconds: 30)
            let b = NodeJobs(store: store, node: "b", leaseSeconds: 30)
            let mine = try #require(try await a.claimNext(live: nil, at: 1_100))
            let theirs = try #require(try await b.claimNext(live: nil, at: 1_100))
            #expect(mine.status == .processing && mine.attempt == 1 && a.heldJobIDs == [mine.id])
            #expect(try await a.fetchJobs(status: .processing).map(\.id) == [mine.id])
            #expect(try await a.fetchPendingHeads(excluding: [], live: nil).isEmpty)
            #expect(try await a.lostLeases(among: [mine.id, theirs.id]) == [theirs.id])  // not a's
            var foreign = theirs
            foreign.progress = JobProgress(recordedSeconds: 1, maxDurationSeconds: 10)
            #expect(try await a.saveJob(foreign) == false)  // another node's running job is never written
            var done = mine
            try done.complete(result: JobResult(), at: 2_000)
            #expect(try await a.saveJob(done))
            #expect(a.heldJobIDs.isEmpty)
            #expect(try await store.fetchJob(id: mine.id) == done)
        }
    }

    @Test("expired: the lease is reported lost and the late completion changes nothing", arguments: Engine.postgresOnly)
    func expired(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 1))])
            let a = NodeJobs(store: store, node: "a", leaseSeconds: 30)
            let job = try #require(try await a.claimNext(live: nil, at: 1_100))
            #expect(try await a.lostLeases(among: [job.id]).isEmpty)
            try await store.expireLeases(of: job.id)
            #expect(try await a.lostLeases(among: [job.id]) == [job.id])
            var late = job
            try late.complete(result: JobResult(), at: 2_000)
            #expect(try await a.saveJob(late) == false)
            // The token is gone after the refusal: later writes must not slip through as plain saves.
            #expect(try await a.saveJob(late) == false)
            var requeued = job
            requeued.state = JobState(status: .pending, step: .queued)
            #expect(try await a.saveJob(requeued) == false)
            #expect(try await store.fetchJob(id: job.id)?.status == .processing)
            #expect(try await store.rescueExpiredLeases() == [job.id])
        }
    }

    @Test(
        "stolen: after the rescue another node claims it; the old holder's writes and retry change nothing",
        arguments: Engine.postgresOnly)
    func stolen(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 1))])
            let a = NodeJobs(store: store, node: "a", leaseSeconds: 30)
            let b = NodeJobs(store: store, node: "b", leaseSeconds: 30)
            let old = try #require(try await a.claimNext(live: nil, at: 1_100))
            try await store.expireLeases(of: old.id)
            #expect(try await store.rescueExpiredLeases() == [old.id])
            let new = try #require(try await b.claimNext(live: nil, at: 1_200))
            #expect(new.id == old.id)
            #expect(try await a.lostLeases(among: [old.id]) == [old.id])
            #expect(try await b.lostLeases(among: [new.id]).isEmpty)
            var zombie = old
            try zombie.complete(result: JobResult(), at: 2_000)
            #expect(try await a.saveJob(zombie) == false)
            #expect(try await a.startAttempt(id: old.id, at: 2_000) == nil)
            var done = new
            try done.complete(result: JobResult(), at: 2_100)
            #expect(try await b.saveJob(done))
            #expect(try await store.fetchJob(id: old.id) == done)
        }
    }

    @Test(
        "renewed: renew keeps a held lease past its deadline, a lease it does not hold runs out; a held retry starts",
        arguments: Engine.postgresOnly)
    func renewed(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 2))])
            let a = NodeJobs(store: store, node: "a", leaseSeconds: 30)
            let held = try #require(try await a.claimNext(live: nil, at: 1_100))
            // Claimed for node a, but not through this NodeJobs: a lease the node gave up (or never held).
            let dropped = try #require(try await store.claimNext(node: "a", leaseSeconds: 30, at: 1_100))
            try await store.expireLeases(of: held.id, secondsLeft: 1)
            try await store.expireLeases(of: dropped.job.id, secondsLeft: 1)
            try await a.renew()
            try await Task.sleep(for: .seconds(1.5))
            #expect(try await store.rescueExpiredLeases() == [dropped.job.id])
            #expect(try await a.lostLeases(among: [held.id]).isEmpty)
            var waiting = held
            try waiting.scheduleRetry(at: 1_500, message: "HTTP 503")
            #expect(try await a.saveJob(waiting))
            #expect(a.heldJobIDs == [held.id])  // still Processing: the lease stays
            let retry = try #require(try await a.startAttempt(id: held.id, at: 1_600))
            #expect(retry.attempt == 2 && retry.step == .downloading)
            #expect(
                try await NodeJobs(store: store, node: "b", leaseSeconds: 30).startAttempt(id: held.id, at: 1_600)
                    == nil)
        }
    }

    @Test(
        "a plain terminal save (a cancel from another node) ends the lease: the runner's writes change nothing",
        arguments: Engine.postgresOnly)
    func cancelledElsewhere(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 1))])
            let a = NodeJobs(store: store, node: "a", leaseSeconds: 30)
            let b = NodeJobs(store: store, node: "b", leaseSeconds: 30)
            let running = try #require(try await a.claimNext(live: nil, at: 1_100))
            var cancelled = try #require(try await b.fetchJob(id: running.id))
            try cancelled.cancel(at: 1_500)
            #expect(try await b.saveJob(cancelled))
            #expect(try await a.lostLeases(among: [running.id]) == [running.id])
            var late = running
            try late.complete(result: JobResult(), at: 2_000)
            #expect(try await a.saveJob(late) == false)
            #expect(try await store.fetchJob(id: running.id) == cancelled)
        }
    }

    @Test(
        "the database stopped: leases count as lost once their last confirmation is a lease − 1 s old",
        arguments: Engine.postgresOnly)
    func databaseStopped(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        let server = try TestPostgres.dedicated()
        let url = try server.socketURL(try server.makeDatabase())
        try await PostgresStore.withStore(url: url, logger: Engine.logger) { store in
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 1))])
            let a = NodeJobs(store: store, node: "a", leaseSeconds: 10)
            let job = try #require(try await a.claimNext(live: nil, at: 1_100))
            try await a.renew()
            let confirmed = ContinuousClock.now
            try server.stop()
            // Unreachable, but confirmed less than lease − 1 s ago: no rescue can have taken it yet.
            #expect(try await a.lostLeases(among: [job.id]).isEmpty)
            #expect(ContinuousClock.now - confirmed < .seconds(9), "the check above came too late to mean anything")
            // Claims fail within the call limit (lease / 3), not after the pool's minute of reconnecting.
            let claimed = ContinuousClock.now
            await #expect(throws: (any Error).self) { try await a.claimNext(live: nil, at: 1_200) }
            #expect(ContinuousClock.now - claimed < .seconds(6))
            try await Task.sleep(until: confirmed + .seconds(9.5))
            #expect(try await a.lostLeases(among: [job.id]) == [job.id])
        }
    }
}
