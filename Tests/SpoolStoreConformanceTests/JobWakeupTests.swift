import Foundation
import SpoolCore
import SpoolPostgres
import SpoolStore
import Synchronization
import Testing

/// LISTEN/NOTIFY on `spool_jobs`: another node's new batch, retry or cancel of a leased job wakes a
/// listening node, each once its transaction commits.
@Suite("PostgreSQL job wake-ups", .timeLimit(.minutes(2)))
struct JobWakeupTests {
    @Test(
        "a node listening is woken by another node's batch, cancel of a running job and retry",
        arguments: Engine.postgresOnly)
    func wakeups(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        let server = try TestPostgres.shared()
        let url = try server.socketURL(try server.makeDatabase())
        try await PostgresStore.withStore(url: url, logger: Engine.logger) { listener in
            try await PostgresStore.withStore(url: url, logger: Engine.logger) { other in
                let wakes = Wakes()
                let listening = Task { await listener.listenForJobs { wakes.add() } }
                defer { listening.cancel() }
                #expect(await wakes.reach(1), "no wake-up when listening began")

                let batch = makeBatch()
                _ = try await other.insertBatches([(batch, makeJobs(batchID: batch.id, count: 2))])
                #expect(await wakes.reach(2), "a new batch woke nothing")

                let node = NodeJobs(store: other, node: "b", leaseSeconds: 30)
                let running = try #require(try await node.claimNext(live: nil, at: 1_100))
                var cancelled = running
                try cancelled.cancel(at: 1_200)
                #expect(try await other.saveJob(cancelled))
                #expect(await wakes.reach(3), "a cancel of a leased job woke nothing")

                var retry = makeJobs(batchID: batch.id, count: 1)[0]
                retry.originalJobId = running.id
                _ = try await other.appendRetryJobs([retry], toBatch: batch.id)
                #expect(await wakes.reach(4), "a retry woke nothing")
            }
        }
    }
}

/// Counts wake-ups; `reach` waits (with a deadline) for the count to get to `count`.
private final class Wakes: Sendable {
    private let count = Mutex(0)

    func add() { count.withLock { $0 += 1 } }

    func reach(_ target: Int, within limit: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if count.withLock({ $0 }) >= target { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return count.withLock { $0 } >= target
    }
}
