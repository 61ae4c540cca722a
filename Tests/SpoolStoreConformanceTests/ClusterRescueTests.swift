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
            _ = try await store.heartbeat(node: "n3", leaseSeconds: 30)
            #expect(try await rescue.fetchLostNodes() == ["n2"])
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
