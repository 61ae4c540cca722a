import Foundation
import SpoolCore
import SpoolPostgres
import SpoolStore
import Testing

/// `claimNext` across the cluster: batches take turns, FIFO inside a batch, and concurrent claimers never
/// share a job.
@Suite("PostgreSQL fair claims", .timeLimit(.minutes(3)))
struct FairClaimTests {
    @Test(
        "two batches of 3: claims alternate A,B,A,B,A,B, each batch in position order", arguments: Engine.postgresOnly)
    func alternate(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let a = makeBatch(createdAt: 1_000)
            let b = makeBatch(createdAt: 1_001)
            // The old order (job age, then batch ID) would take A's three first.
            _ = try await store.insertBatches([(a, makeJobs(batchID: a.id, count: 3, createdAt: 1_000))])
            _ = try await store.insertBatches([(b, makeJobs(batchID: b.id, count: 3, createdAt: 1_001))])
            var claimed: [(batch: String, position: Int)] = []
            // Each claim from another node: the turns are the cluster's, not one node's.
            for node in ["n1", "n2", "n3", "n1", "n2", "n3"] {
                let lease = try #require(try await store.claimNext(node: node, leaseSeconds: 30, at: 2_000))
                claimed.append((lease.job.batchId, lease.job.position))
            }
            #expect(claimed.map(\.batch) == [a.id, b.id, a.id, b.id, a.id, b.id])
            #expect(claimed.map(\.position) == [0, 0, 1, 1, 2, 2])
            #expect(try await store.claimNext(node: "n1", leaseSeconds: 30, at: 2_000) == nil)
        }
    }

    @Test("a batch arriving later gets the next turn, ahead of batches already served", arguments: Engine.postgresOnly)
    func newcomerTurn(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let a = makeBatch(createdAt: 1_000)
            let b = makeBatch(createdAt: 1_001)
            _ = try await store.insertBatches([(a, makeJobs(batchID: a.id, count: 4))])
            _ = try await store.insertBatches([(b, makeJobs(batchID: b.id, count: 4))])
            var order: [String] = []
            for _ in 0..<3 {
                order.append(
                    try #require(try await store.claimNext(node: "n", leaseSeconds: 30, at: 2_000)).job.batchId)
            }
            let c = makeBatch(createdAt: 3_000)
            _ = try await store.insertBatches([(c, makeJobs(batchID: c.id, count: 2, createdAt: 3_000))])
            for _ in 0..<4 {
                order.append(
                    try #require(try await store.claimNext(node: "n", leaseSeconds: 30, at: 4_000)).job.batchId)
            }
            #expect(order == [a.id, b.id, a.id, c.id, b.id, a.id, c.id])
        }
    }

    @Test(
        "concurrent claimers on two nodes never get the same job, and every job is claimed once",
        arguments: Engine.postgresOnly)
    func concurrentClaimers(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            var all: Set<String> = []
            for index in 0..<3 {
                let batch = makeBatch(createdAt: 1_000 + Int64(index))
                let jobs = makeJobs(batchID: batch.id, count: 15)
                _ = try await store.insertBatches([(batch, jobs)])
                all.formUnion(jobs.map(\.id))
            }
            let claims = try await withThrowingTaskGroup(of: [PostgresStore.Lease].self) { group in
                for node in ["a", "b", "a", "b"] {  // two claim loops per node, as two free slots would run
                    group.addTask {
                        var mine: [PostgresStore.Lease] = []
                        while let lease = try await store.claimNext(node: node, leaseSeconds: 30, at: 2_000) {
                            mine.append(lease)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claims.count == all.count)
            #expect(Set(claims.map(\.job.id)) == all)
            #expect(Set(claims.map(\.token)).count == claims.count)
            #expect(claims.allSatisfy { $0.job.attempt == 1 && $0.job.status == .processing })
        }
    }
}
