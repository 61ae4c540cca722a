import Foundation
import SpoolCore
import SpoolPostgres
import SpoolStore
import Testing

/// Issue 12: "the batch row's unique claim key makes a double ingest impossible even if two nodes read the
/// same file" (a file adopted from a lost node keeps its `<token>--<name>`, hence its claim name).
@Suite("PostgreSQL claim key race", .timeLimit(.minutes(3)))
struct ClaimKeyRaceTests {
    @Test(
        "nodes storing the same claimed file at once: one batch and its jobs, every node answered with it",
        arguments: Engine.postgresOnly)
    func sameClaimAtOnce(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let claim = "1700000000100-ff--nightly.json"
            // Each node parsed the file on its own, so each made its own batch and job IDs.
            let outcomes = try await withThrowingTaskGroup(of: Store.CreateOutcome.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let batch = makeBatch(claim: claim)
                        return try #require(
                            try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 3))]).first)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = outcomes.filter(\.created)
            #expect(winners.count == 1)
            let winner = try #require(winners.first)
            #expect(outcomes.allSatisfy { $0.batch == winner.batch && $0.jobs == winner.jobs })
            #expect(try await store.fetchBatches().map(\.id) == [winner.batch.id])
            #expect(try await store.fetchAllJobs().count == 3)
        }
    }
}
