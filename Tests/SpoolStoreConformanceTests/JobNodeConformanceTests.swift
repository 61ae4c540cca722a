import Foundation
import GRDB
import SpoolCore
import SpoolPostgres
import Testing

@testable import SpoolStore

/// `JobRecord.node` (the node running or that ran a job) on both engines: stamped when a job starts, kept when
/// it ends, null again whenever the job goes back to Pending, null on a new retry job.
@Suite("Store conformance: job node", .timeLimit(.minutes(3)))
struct JobNodeConformanceTests {
    @Test(
        "startAttempt stamps the store's node, the end keeps it, requeueProcessingJobs clears it",
        arguments: Engine.tested)
    func stampKeepClear(engine: Engine) async throws {
        try await engine.withStore(node: "node-a") { store in
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 3)
            _ = try await store.insertBatches([(batch, jobs)])
            #expect(try await store.fetchJobs(batchID: batch.id).allSatisfy { $0.node == nil })

            let started = try #require(try await store.startAttempt(id: jobs[0].id, at: 1_100))
            #expect(started.node == "node-a")
            #expect(try await store.fetchJob(id: jobs[0].id)?.node == "node-a")
            var done = started
            done.state = JobState(status: .completed, step: .finished)
            done.finishedAt = 1_900
            #expect(try await store.saveJob(done))
            #expect(try await store.fetchJob(id: jobs[0].id)?.node == "node-a")

            // A retry-waiting job that resumes is stamped again (by whichever node resumes it).
            var waiting = try #require(try await store.startAttempt(id: jobs[1].id, at: 1_200))
            waiting.state = JobState(status: .processing, step: .waiting)
            waiting.node = nil
            #expect(try await store.saveJob(waiting))
            #expect(try await store.startAttempt(id: jobs[1].id, at: 1_300)?.node == "node-a")

            #expect(try await store.requeueProcessingJobs() == [jobs[1].id])
            let requeued = try #require(try await store.fetchJob(id: jobs[1].id))
            #expect(requeued.status == .pending && requeued.node == nil)
            #expect(try await store.fetchJob(id: jobs[0].id)?.node == "node-a")
            #expect(try await store.fetchJob(id: jobs[2].id)?.node == nil)
        }
    }

    @Test("a retry job starts with node null", arguments: Engine.tested)
    func retryStartsBare(engine: Engine) async throws {
        try await engine.withStore(node: "node-a") { store in
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 1)
            _ = try await store.insertBatches([(batch, jobs)])
            var failed = try #require(try await store.startAttempt(id: jobs[0].id, at: 1_100))
            failed.state = JobState(status: .failed, step: .downloading)
            #expect(try await store.saveJob(failed))
            let retry = JobRecord(
                id: SpoolID.make(), batchId: batch.id, position: 0, url: failed.url, filename: failed.filename,
                folder: failed.folder, options: failed.options, createdAt: 2_000, originalJobId: failed.id)
            let appended = try await store.appendRetryJobs([retry], toBatch: batch.id)
            #expect(try await store.fetchJob(id: appended[0].id)?.node == nil)
            #expect(try await store.fetchJob(id: failed.id)?.node == "node-a")
        }
    }

    @Test(
        "claimNext stamps the claiming node; rescueExpiredLeases, requeueProcessingJobs(node:) and stopNode clear it",
        arguments: Engine.postgresOnly)
    func clusterHandBacks(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore(node: "node-a") { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 3)
            _ = try await store.insertBatches([(batch, jobs)])

            let expiring = try #require(try await store.claimNext(node: "b", leaseSeconds: 30, at: 1_100))
            #expect(expiring.job.node == "b" && expiring.token.count == 36)
            #expect(try await store.fetchJob(id: expiring.job.id)?.node == "b")
            try await store.expireLeases(of: expiring.job.id)
            #expect(try await store.rescueExpiredLeases() == [expiring.job.id])
            #expect(try await store.fetchJob(id: expiring.job.id)?.node == nil)

            let crashed = try #require(try await store.claimNext(node: "c", leaseSeconds: 30, at: 1_200))
            #expect(crashed.job.node == "c")
            #expect(try await store.requeueProcessingJobs(node: "c") == [crashed.job.id])
            #expect(try await store.fetchJob(id: crashed.job.id)?.node == nil)

            // startAttempt's jobs carry the store's node, so this node's clean stop hands them back too.
            let started = try #require(try await store.startAttempt(id: jobs[2].id, at: 1_300))
            #expect(started.node == "node-a")
            #expect(try await store.stopNode(name: "node-a") == [jobs[2].id])
            #expect(try await store.fetchJobs(batchID: batch.id).allSatisfy { $0.status == .pending && $0.node == nil })
        }
    }
}

extension Engine {
    /// `withStore(_:)` with a store whose `node` (stamped by `startAttempt`) is `node`.
    func withStore<T: Sendable>(
        node: String, _ body: @escaping @Sendable (any StoreEngine) async throws -> T
    ) async throws -> T {
        switch self {
        case .sqlite:
            return try await body(try Store(writer: DatabaseQueue(), node: node))
        case .postgres:
            let server = try TestPostgres.shared()
            let url = try server.socketURL(try server.makeDatabase())
            return try await PostgresStore.withStore(url: url, logger: Self.logger) { store in
                try await body(PostgresStore(client: store.client, logger: Self.logger, node: node))
            }
        }
    }
}
