import Foundation
import SpoolCore
import SpoolPostgres
import SpoolStore
import Testing

/// The end of an attempt whose lease was lost, on a real PostgreSQL: once a fenced write has failed, the
/// node no longer holds the job, and its requeue or failure must not reach the row another node now runs
/// (seen end to end: a node woken from SIGSTOP put the rescuer's running job back to Pending). A user's
/// cancel of a job this node does not hold still goes through.
@Suite("NodeJobs: a lost attempt's end changes nothing", .timeLimit(.minutes(3)))
struct NodeJobsFenceTests {
    @Test(
        "after the rescue and another node's claim, the old holder's requeue and failure are refused; a cancel is not",
        arguments: Engine.postgresOnly)
    func lostAttemptEnd(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 1))])
            let paused = NodeJobs(store: store, node: "paused", leaseSeconds: 30)
            let rescuer = NodeJobs(store: store, node: "rescuer", leaseSeconds: 30)
            let job = try #require(try await paused.claimNext(live: nil, at: 1_100))
            try await store.expireLeases(of: job.id)
            #expect(try await store.rescueExpiredLeases() == [job.id])
            let running = try #require(try await rescuer.claimNext(live: nil, at: 1_200))

            // The paused node wakes: its progress write fails (and it lets the job go) …
            var progress = job
            progress.progress = JobProgress(recordedSeconds: 1, maxDurationSeconds: 10)
            #expect(try await paused.saveJob(progress) == false)
            #expect(paused.heldJobIDs.isEmpty)
            // … then its attempt ends: requeued (stopped) or failed, both from the row it read now.
            var requeued = try #require(try await store.fetchJob(id: job.id))
            try requeued.requeue()
            #expect(try await paused.saveJob(requeued) == false)
            var failed = try #require(try await store.fetchJob(id: job.id))
            try failed.fail(.error, message: "killed", at: 1_300)
            #expect(try await paused.saveJob(failed) == false)
            #expect(try await store.fetchJob(id: job.id) == running, "the rescuer's row changed")

            // A user's cancel sent to the old holder still ends the job (the rescuer's writes then change nothing).
            var cancelled = running
            try cancelled.cancel(at: 1_400)
            #expect(try await paused.saveJob(cancelled))
            #expect(try await rescuer.lostLeases(among: [running.id]) == [running.id])
        }
    }
}
