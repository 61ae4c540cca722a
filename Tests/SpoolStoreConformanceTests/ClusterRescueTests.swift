import Foundation
import SpoolCore
import SpoolPostgres
import SpoolStore
import Synchronization
import Testing

/// `ClusterRescue` on PostgreSQL (what a cluster node's daemon asks of the store): lost nodes as every node
/// sees them, and the status rebuild's advisory lock held by one node at a time.
@Suite("PostgreSQL cluster rescue", .timeLimit(.minutes(3)))
struct ClusterRescueTests {
    @Test(
        "fetchLostNodes lists every lost node, whoever marked it; a heartbeat brings one back",
        arguments: Engine.postgresOnly)
    func lostNodes(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let rescue: any ClusterRescue = store
            for name in ["n1", "n2", "n3"] {
                _ = try await store.registerNode(name: name, leaseSeconds: 30, version: "", slots: 1)
            }
            try await store.silenceNode("n2", seconds: 31)
            try await store.silenceNode("n3", seconds: 31)
            #expect(try await rescue.markLostNodes(leaseSeconds: 30) == ["n2", "n3"])
            // A second marker finds nothing new; the lost ones are still listed for adoption.
            #expect(try await rescue.markLostNodes(leaseSeconds: 30) == [])
            #expect(try await rescue.fetchLostNodes() == ["n2", "n3"])
            #expect(try await rescue.fetchLiveNodes(leaseSeconds: 30) == ["n1"])
            _ = try await store.heartbeat(node: "n3", leaseSeconds: 30)
            #expect(try await rescue.fetchLostNodes() == ["n2"])
            #expect(try await rescue.fetchLiveNodes(leaseSeconds: 30) == ["n1", "n3"])
        }
    }

    @Test(
        "two nodes rebuilding at once: the advisory lock runs their rebuilds one after the other",
        arguments: Engine.postgresOnly)
    func rebuildLock(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let rescue: any ClusterRescue = try #require(store as? PostgresStore)
            let count = Overlap()
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<3 {
                    group.addTask {
                        try await rescue.withStatusRebuildLock {
                            count.enter()
                            try await Task.sleep(for: .milliseconds(200))
                            count.leave()
                            return index
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(count.most == 1)
            // A body that throws releases the lock too.
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await rescue.withStatusRebuildLock { () async throws -> Int in throw Boom() }
            }
            #expect(try await rescue.withStatusRebuildLock { 7 } == 7)
        }
    }
}

extension ClusterRescueTests {
    @Test(
        "start-up requeue: this node's jobs and jobs no node holds; never another node's",
        arguments: Engine.postgresOnly)
    func startupRequeue(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let now = Date().millisecondsSince1970
            let batch = BatchRecord(
                id: SpoolID.make(), source: "b.json", claimName: "c", idempotencyKey: nil, folder: nil, createdAt: now)
            let jobs = (0..<4).map { i in
                JobRecord(
                    id: SpoolID.make(), batchId: batch.id, position: i, url: "https://example.com/\(i)",
                    filename: nil, folder: nil, options: JobOptions(), createdAt: now)
            }
            _ = try await store.insertBatches([(batch, jobs)])
            for name in ["mine", "other"] {
                _ = try await store.registerNode(name: name, leaseSeconds: 30, version: "", slots: 1)
            }
            let mine = try #require(try await store.claimNext(node: "mine", leaseSeconds: 30, at: now))
            let other = try #require(try await store.claimNext(node: "other", leaseSeconds: 30, at: now))
            // Processing with no node and no lease: a row migrated from a single node's SQLite store.
            var unheld = try #require(try await store.startAttempt(id: jobs[2].id, at: now))
            unheld.node = nil
            #expect(try await store.saveJob(unheld))
            let requeued = try await store.requeueStartupJobs(node: "mine")
            #expect(requeued == [mine.job.id, unheld.id].sorted())
            #expect(try await store.fetchJob(id: other.job.id)?.status == .processing)
            #expect(try await store.fetchJob(id: mine.job.id)?.attempt == 0)  // a leased attempt: uncounted
            #expect(try await store.fetchJob(id: unheld.id)?.attempt == 1)  // as one node's recovery
        }
    }
}

/// How many bodies run at once, and the most ever.
private final class Overlap: Sendable {
    private let state = Mutex((now: 0, most: 0))
    func enter() {
        state.withLock { s in
            s.now += 1
            s.most = max(s.most, s.now)
        }
    }
    func leave() { state.withLock { $0.now -= 1 } }
    var most: Int { state.withLock { $0.most } }
}
