import Foundation
import Logging
import SpoolCore
import SpoolPipeline
import SpoolPostgres
import SpoolService
import SpoolStore
import Synchronization
import Testing

/// An executor whose attempts run until stopped, recording when each started and stopped and how.
private final class UntilStopped: JobExecuting {
    struct Log {
        var started: [String: ContinuousClock.Instant] = [:]
        var stopped: [String: (ContinuousClock.Instant, StopRequest.Kind?)] = [:]
        var undone: [String] = []
    }
    let log = Mutex(Log())

    func run(_ spec: JobSpec, stop: StopRequest, report: @escaping @Sendable (JobReport) async -> Void) async
        -> JobOutcome
    {
        log.withLock { $0.started[spec.id] = .now }
        await report(.step(.downloading))
        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
        log.withLock { $0.stopped[spec.id] = (.now, stop.marked) }
        return .cancelled
    }
    func finish(_ publication: PublishedOutput) {}
    func undo(jobID: String, folder: String?) { log.withLock { $0.undone.append(jobID) } }
}

/// Two nodes' schedulers on one PostgreSQL (`NodeJobs`), each with its own root: what one node does to a job
/// the other runs.
@Suite("Two schedulers on one PostgreSQL", .serialized, .timeLimit(.minutes(2)))
struct ClusterSchedulerTests {
    @Test(
        "a job cancelled on node b stops on node a within 2 s, and ends Cancelled in both nodes' eyes",
        arguments: Engine.postgresOnly)
    func cancelAcrossNodes(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        let server = try TestPostgres.shared()
        let url = try server.socketURL(try server.makeDatabase())
        let rootA = NSTemporaryDirectory() + "spool-cluster-a-\(UUID().uuidString)"
        let rootB = NSTemporaryDirectory() + "spool-cluster-b-\(UUID().uuidString)"
        defer { for root in [rootA, rootB] { try? FileManager.default.removeItem(atPath: root) } }
        try await PostgresStore.withStore(url: url, logger: Engine.logger) { store in
            let logger = Logger(label: "spool.tests", factory: { _ in SwiftLogNoOpLogHandler() })
            let pathsA = SpoolPaths(root: rootA, configuration: .defaults)
            let pathsB = SpoolPaths(root: rootB, configuration: .defaults)
            try pathsA.createLayout()
            try pathsB.createLayout()
            let executor = UntilStopped()
            let nodeA = Scheduler(
                store: NodeJobs(store: store, node: "a", leaseSeconds: 30),
                status: StatusWriter(store: store, paths: pathsA, logger: logger), executor: executor, paths: pathsA,
                settings: .init(slots: 1, retries: 0, retryBaseDelay: 1), logger: logger)
            // Node b runs nothing (no slots); it only takes the cancel.
            let nodeB = Scheduler(
                store: NodeJobs(store: store, node: "b", leaseSeconds: 30),
                status: StatusWriter(store: store, paths: pathsB, logger: logger), executor: executor, paths: pathsB,
                settings: .init(slots: 0, retries: 0, retryBaseDelay: 1, liveSlots: 0), logger: logger)
            let running = Task { await nodeA.run() }
            defer { running.cancel() }

            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 1)
            _ = try await store.insertBatches([(batch, jobs)])
            let id = jobs[0].id
            #expect(await Self.eventually { executor.log.withLock { $0.started[id] != nil } })

            let asked = ContinuousClock.now
            #expect(await nodeB.cancel(jobID: id) == .cancelled)
            #expect(await Self.eventually { executor.log.withLock { $0.stopped[id] != nil } })
            let (stoppedAt, kind) = try #require(executor.log.withLock { $0.stopped[id] })
            #expect(stoppedAt - asked < .seconds(2), "node a stopped the tools \(stoppedAt - asked) after the cancel")
            #expect(kind == .cancel)
            #expect(await Self.eventually { await nodeA.runningJobIDs.isEmpty })
            let ended = try #require(try await store.fetchJob(id: id))
            #expect(ended.status == .failed && ended.step == .cancelled)
            // Both nodes' status files show what the store holds: the cancel, not node a's requeue.
            for paths in [pathsA, pathsB] {
                let data = try Data(contentsOf: URL(fileURLWithPath: paths.jobStatus(id)))
                let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
                #expect(document["status"] as? String == "Failed" && document["step"] as? String == "Cancelled")
            }
            await nodeA.beginShutdown()
            await running.value
        }
    }

    @Test(
        "a lease that expires under node a stops its tools; rescued, the job runs on node b; a's late writes change nothing",
        arguments: Engine.postgresOnly)
    func expiredLeaseMovesToAnotherNode(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        let server = try TestPostgres.shared()
        let url = try server.socketURL(try server.makeDatabase())
        let rootA = NSTemporaryDirectory() + "spool-cluster-a-\(UUID().uuidString)"
        let rootB = NSTemporaryDirectory() + "spool-cluster-b-\(UUID().uuidString)"
        defer { for root in [rootA, rootB] { try? FileManager.default.removeItem(atPath: root) } }
        try await PostgresStore.withStore(url: url, logger: Engine.logger) { store in
            let logger = Logger(label: "spool.tests", factory: { _ in SwiftLogNoOpLogHandler() })
            let pathsA = SpoolPaths(root: rootA, configuration: .defaults)
            let pathsB = SpoolPaths(root: rootB, configuration: .defaults)
            try pathsA.createLayout()
            try pathsB.createLayout()
            let executorA = UntilStopped()
            let executorB = UntilStopped()
            let nodeA = Scheduler(
                store: NodeJobs(store: store, node: "a", leaseSeconds: 30),
                status: StatusWriter(store: store, paths: pathsA, logger: logger), executor: executorA, paths: pathsA,
                settings: .init(slots: 1, retries: 0, retryBaseDelay: 1), logger: logger)
            let runningA = Task { await nodeA.run() }
            defer { runningA.cancel() }
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 1)
            _ = try await store.insertBatches([(batch, jobs)])
            let id = jobs[0].id
            #expect(await Self.eventually { executorA.log.withLock { $0.started[id] != nil } })

            // As if node a had been paused past its lease: the database lets the lease run out.
            try await store.expireLeases(of: id)
            #expect(await Self.eventually { executorA.log.withLock { $0.stopped[id] != nil } })
            #expect(executorA.log.withLock { $0.stopped[id]?.1 } == .cancel)
            #expect(await Self.eventually { await nodeA.runningJobIDs.isEmpty })
            // a's requeue was fenced out: the job is still Processing under the expired lease until a rescue.
            #expect(try await store.fetchJob(id: id)?.status == .processing)
            // Node a stops first: otherwise the rescue's NOTIFY wakes it and it may claim the job back itself.
            await nodeA.beginShutdown()
            await runningA.value
            #expect(try await store.rescueExpiredLeases() == [id])

            let nodeB = Scheduler(
                store: NodeJobs(store: store, node: "b", leaseSeconds: 30),
                status: StatusWriter(store: store, paths: pathsB, logger: logger), executor: executorB, paths: pathsB,
                settings: .init(slots: 1, retries: 0, retryBaseDelay: 1), logger: logger)
            let runningB = Task { await nodeB.run() }
            defer { runningB.cancel() }
            #expect(await Self.eventually { executorB.log.withLock { $0.started[id] != nil } })
            let job = try #require(try await store.fetchJob(id: id))
            #expect(job.status == .processing && job.attempt == 1)  // a's lost attempt was not counted
            #expect(try await store.claimingNode(of: id) == "b")
            await nodeB.beginShutdown()
            await runningB.value
        }
    }

    private static func eventually(
        _ limit: Duration = .seconds(10), _ condition: @Sendable () async -> Bool
    ) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return await condition()
    }
}
