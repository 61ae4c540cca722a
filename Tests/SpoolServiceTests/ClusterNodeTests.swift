import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import SpoolCore
import SpoolInbox
import SpoolStore
import Synchronization
import Testing

@testable import SpoolService

/// A cluster's store answers without PostgreSQL: lost nodes as set, no leases, the rebuild lock a mutex.
final class FakeClusterRescue: ClusterRescue {
    let lost: Mutex<[String]>
    let rescued = Mutex<[String]>([])
    let requeuedNodes = Mutex<[String]>([])
    let failing = Mutex(false)

    init(lost: [String]) { self.lost = Mutex(lost) }

    struct Down: Error {}

    func markLostNodes(leaseSeconds: Int) async throws -> [String] {
        if failing.withLock({ $0 }) { throw Down() }
        return []
    }
    func fetchLostNodes() async throws -> [String] { lost.withLock { $0 } }
    func fetchLiveNodes(leaseSeconds: Int) async throws -> [String] { [] }
    func rescueExpiredLeases() async throws -> [String] { rescued.withLock { $0 } }
    func requeueStartupJobs(node: String) async throws -> [String] {
        requeuedNodes.withLock { $0.append(node) }
        return []
    }
    func withStatusRebuildLock<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await body()
    }
}

/// The daemon's cluster parts on one shared root (issue 12): per-node claim directories, the rescue service's
/// adoption of a lost node's files, and control files claimed once by racing nodes.
@Suite("Cluster node", .serialized, .timeLimit(.minutes(2)))
struct ClusterNodeTests {
    /// A node `name` on the harness's root: its ingestor claims into its own directory.
    func node(_ h: ServiceHarness, _ name: String, rescue: FakeClusterRescue) throws -> ClusterRescueService {
        var ingestor = h.ingestor
        ingestor.checkNetwork = false
        ingestor.claimDirectory = try InboxClaimer.nodeClaimDirectory(inbox: h.paths.inbox, node: name)
        ingestor.outage = IngestOutage(retryInterval: .seconds(1))
        let cluster = ClusterMembership(node: name, leaseSeconds: 5, jobs: h.store, rescue: rescue)
        return ClusterRescueService(
            cluster: cluster, paths: h.paths, ingestor: ingestor, scheduler: h.scheduler, status: h.status,
            queue: IngestQueue(), logger: quietLogger)
    }

    /// A claimed batch file as a node leaves it: `<token>--<name>` in `directory`.
    func leaveClaimed(_ directory: String, _ name: String, url: String = "https://example.com/a.mp4") throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try writeText(directory + "/1700000000000-00112233aabbccdd--" + name, #"{"jobs":[{"url":"\#(url)"}]}"#)
    }

    @Test("start-up re-ingests only this node's claimed files, never another node's")
    func ownClaimDirectoryOnly() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let me = try node(h, "me", rescue: FakeClusterRescue(lost: []))
            try leaveClaimed(h.paths.claimed + "/me", "mine.json")
            try leaveClaimed(h.paths.claimed + "/other", "theirs.json")
            let outcomes = await me.ingestor.recoverClaimed()
            #expect(outcomes.count == 1)
            #expect(readText(h.paths.receipts + "/mine.json")?.contains("batch_id") == true)
            #expect(readText(h.paths.receipts + "/theirs.json") == nil)
            #expect(InboxClaimer.leftovers(in: h.paths.claimed + "/other").count == 1)
            #expect(try h.store.batches().count == 1)
        }
    }

    @Test("the rescue service adopts a lost node's claimed files and ingests each once, however many nodes race")
    func adoptLostNodesFiles() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let rescue = FakeClusterRescue(lost: ["dead"])
            let dead = h.paths.claimed + "/dead"
            for index in 0..<5 { try leaveClaimed(dead, "b\(index).json") }
            // The dead node's control request too: put back for any node to claim.
            let jobID = try h.addBatch(count: 1)[0]
            let deadCancel = ControlFiles.claimDirectory(of: h.paths.cancel, node: "dead")
            try FileManager.default.createDirectory(atPath: deadCancel, withIntermediateDirectories: true)
            try writeText(deadCancel + "/" + jobID, "")

            let a = try node(h, "a", rescue: rescue)
            let b = try node(h, "b", rescue: rescue)
            async let roundA = a.round()
            async let roundB = b.round()
            let (ra, rb) = await (roundA, roundB)

            #expect(ra.adoptedFiles.count + rb.adoptedFiles.count == 5, "\(ra) \(rb)")
            #expect(InboxClaimer.leftovers(in: dead).isEmpty)
            #expect(InboxClaimer.leftovers(in: h.paths.claimed + "/a").isEmpty)
            #expect(InboxClaimer.leftovers(in: h.paths.claimed + "/b").isEmpty)
            // One batch per file (plus the control test's batch), each with its receipt.
            let batches = try h.store.batches()
            #expect(batches.count == 6)
            #expect(Set(batches.compactMap(\.claimName)).count == 5)
            for index in 0..<5 {
                #expect(readText(h.paths.receipts + "/b\(index).json")?.contains("batch_id") == true)
            }
            #expect(ra.adoptedControlFiles.count + rb.adoptedControlFiles.count == 1)
            #expect(FileManager.default.fileExists(atPath: h.paths.cancel + "/" + jobID))
            #expect(!FileManager.default.fileExists(atPath: deadCancel + "/" + jobID))
        }
    }

    @Test("a live node's own claim directory is never adopted")
    func liveNodeNotAdopted() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            try leaveClaimed(h.paths.claimed + "/alive", "x.json")
            let round = try await node(h, "a", rescue: FakeClusterRescue(lost: [])).round()
            #expect(round.adoptedFiles.isEmpty)
            #expect(InboxClaimer.leftovers(in: h.paths.claimed + "/alive").count == 1)
            #expect(try h.store.batches().isEmpty)
        }
    }

    func control(_ h: ServiceHarness, node: String?) -> ControlFiles {
        var control = ControlFiles(
            store: h.store, paths: h.paths, scheduler: h.scheduler, ingestor: h.ingestor, status: h.status,
            logger: quietLogger)
        control.node = node
        return control
    }

    @Test("two nodes racing for one control file: exactly one claims it")
    func controlFileClaimedOnce() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            try writeText(h.paths.retry + "/somejob", "")
            let a = control(h, node: "a").takeRequests(in: h.paths.retry)
            let b = control(h, node: "b").takeRequests(in: h.paths.retry)
            #expect(a.count + b.count == 1, "a: \(a), b: \(b)")
            #expect(!FileManager.default.fileExists(atPath: h.paths.retry + "/somejob"))
            // The winner's leftover (a crash before it was handled) is its own at the next sweep, not the other's.
            let again = control(h, node: "a").takeRequests(in: h.paths.retry)
            #expect(again.map(\.name) == ["somejob"])
            #expect(control(h, node: "b").takeRequests(in: h.paths.retry).isEmpty)
        }
    }

    @Test("a retry file swept by two nodes at once is handled once")
    func retryHandledOnce() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let id = try h.addBatch(count: 1)[0]
            var job = try h.job(id)
            job.status = .failed
            #expect(try h.store.save(job))
            try writeText(h.paths.retry + "/" + id, "")
            let a = control(h, node: "a")
            let b = control(h, node: "b")
            async let sweepA: Void = a.sweep()
            async let sweepB: Void = b.sweep()
            _ = await (sweepA, sweepB)
            let jobs = try h.store.jobs(batchID: job.batchId)
            #expect(jobs.count == 2, "\(jobs.map(\.id))")
            #expect(jobs.filter { $0.originalJobId == id }.count == 1)
            #expect(!FileManager.default.fileExists(atPath: h.paths.retry + "/" + id))
            #expect(InboxClaimer.leftovers(in: h.paths.retry + "/.claimed/a").isEmpty)
        }
    }

    @Test("a store outage: the round logs it, claims nothing; once back, retried files are stored")
    func outageRetry() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let rescue = FakeClusterRescue(lost: [])
            let a = try node(h, "a", rescue: rescue)
            rescue.failing.withLock { $0 = true }
            await a.round()
            let outage = try #require(a.ingestor.outage)
            #expect(outage.isDown)
            // While down, inbox files are left where they are.
            try writeText(h.paths.inbox + "/late.json", #"{"jobs":[{"url":"https://example.com/a.mp4"}]}"#)
            let skipped = await a.ingestor.ingest(names: ["late.json"])
            #expect(skipped == [.ignored])
            #expect(FileManager.default.fileExists(atPath: h.paths.inbox + "/late.json"))
            rescue.failing.withLock { $0 = false }
            await a.round()
            #expect(!outage.isDown)
        }
    }

    @Test("a cluster node's exposition labels every sample with its node, comments untouched")
    func metricsNodeLabel() {
        let text = """
            # HELP spool_jobs Jobs in the database by status.
            # TYPE spool_jobs gauge
            spool_jobs{status="Pending"} 3
            spool_queue_depth 3
            spool_receipt_latency_seconds_bucket{le="0.01"} 0
            empty{} 1

            """
        #expect(
            MetricsNodeLabel.labelled(text, node: "node-a") == """
                # HELP spool_jobs Jobs in the database by status.
                # TYPE spool_jobs gauge
                spool_jobs{node="node-a",status="Pending"} 3
                spool_queue_depth{node="node-a"} 3
                spool_receipt_latency_seconds_bucket{node="node-a",le="0.01"} 0
                empty{node="node-a"} 1

                """)
    }

    @Test(
        "the daemon as node n1: its own lock and claim directory, own requeue, rescue service, no clean-shutdown marker"
    )
    func daemonAsNode() async throws {
        try await withTempDirectory { root in
            let paths = SpoolPaths(root: root, configuration: .defaults)
            try paths.createLayout()
            var configuration = SpoolConfiguration.defaults
            configuration.downloads = 0  // nothing runs
            configuration.allowPrivateNetwork = true
            let store = try Store(path: paths.database)
            try leaveClaimed(paths.claimed + "/n1", "mine.json")
            try leaveClaimed(paths.claimed, "single.json")  // a one-node run's leftover: not this node's
            let rescue = FakeClusterRescue(lost: [])
            var daemon = SpoolDaemon(
                paths: paths, configuration: configuration, logger: quietLogger, engine: { _ in store })
            daemon.cluster = ClusterMembership(node: "n1", leaseSeconds: 5, jobs: store, rescue: rescue)
            let (events, sink) = AsyncStream<SpoolDaemon.Event>.makeStream()
            daemon.onEvent = { event in
                sink.yield(event)
                if event == .sealed { sink.finish() }
            }
            let node = daemon
            var seen: [SpoolDaemon.Event] = []
            let services: Set<String> = ["scheduler", "metrics", "rescue", "control", "ingest"]
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { sink.finish() }
                        try await node.run()
                    }
                    var iterator = events.makeAsyncIterator()
                    while let event = await iterator.next() {
                        seen.append(event)
                        let started = Set(seen.compactMap { if case .serviceStarted(let n) = $0 { n } else { nil } })
                        if started == services { break }
                    }
                    trigger.triggerGracefulShutdown()
                    while let event = await iterator.next() { seen.append(event) }
                    try await group.waitForAll()
                }
            }
            let stops = seen.compactMap { if case .serviceStopped(let name) = $0 { name } else { nil } }
            #expect(stops == ["ingest", "control", "rescue", "metrics", "scheduler"])
            #expect(FileManager.default.fileExists(atPath: paths.state + "/spool.n1.lock"))
            #expect(!FileManager.default.fileExists(atPath: paths.lockFile))
            #expect(!FileManager.default.fileExists(atPath: paths.cleanShutdownMarker))
            #expect(rescue.requeuedNodes.withLock { $0 } == ["n1"])
            #expect(readText(paths.receipts + "/mine.json")?.contains("batch_id") == true)
            #expect(readText(paths.receipts + "/single.json") == nil)
            #expect(InboxClaimer.leftovers(in: paths.claimed).count == 1)
        }
    }

    @Test("a rescued job's status file is rewritten by the rescue round")
    func rescuedStatusWritten() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let id = try h.addBatch(count: 1)[0]
            let rescue = FakeClusterRescue(lost: [])
            rescue.rescued.withLock { $0 = [id] }
            #expect(!FileManager.default.fileExists(atPath: h.paths.jobStatus(id)))
            let round = try await node(h, "a", rescue: rescue).round()
            #expect(round.rescuedJobs == [id])
            #expect(readText(h.paths.jobStatus(id))?.contains("Pending") == true)
            #expect(FileManager.default.fileExists(atPath: h.paths.batchStatus(try h.job(id).batchId)))
        }
    }
}
