import SpoolCore
import SpoolStore
import Testing

/// Positions sort as numbers in every query that orders by them: a batch of 12 comes back 0, 1, 2 … 11,
/// never 0, 1, 10, 11, 2 (PostgreSQL once ordered the text the rows are read as).
@Suite("Store conformance: jobs in position order", .timeLimit(.minutes(3)))
struct PositionOrderTests {
    @Test(
        "fetchJobs(batchID:), fetchAllJobs, fetchPendingJobs and the start-up stream: numeric position order",
        arguments: Engine.tested)
    func numericOrder(engine: Engine) async throws {
        try await engine.withStore { store in
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 12)
            _ = try await store.insertBatches([(batch, jobs)])
            let expected = jobs.map(\.id)
            #expect(try await store.fetchJobs(batchID: batch.id).map(\.id) == expected)
            #expect(try await store.fetchAllJobs().map(\.id) == expected)
            #expect(try await store.fetchPendingJobs().map(\.id) == expected)
            let seen = Recorder()
            try await store.streamBatchesOfJobs(batches: { _ in }, { id, group in seen.groups[id] = group.map(\.id) })
            #expect(seen.groups[batch.id] == expected)
        }
    }
}
