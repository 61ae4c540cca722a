import Foundation
import Logging
import SpoolCore
import SpoolStore
import Synchronization
import Testing

@testable import SpoolPipeline
@testable import SpoolService

/// A `LeasedJobStore` over a real store: claims start the next Pending job, and the test says which leases
/// are lost (their saves then change nothing, as a fenced save would) and when the database is down.
final class FakeLeasedStore: LeasedJobStore {
    struct Unreachable: Error {}
    struct State {
        var lost: Set<String> = []
        var down = false
        var claims = 0
        /// Claims that found nothing, counted once they returned (the turn that made them is past its claim).
        var emptyClaims = 0
    }

    let store: Store
    let state = Mutex(State())
    let node = "n1"

    init(_ store: Store) { self.store = store }

    func claimNext(live: Bool?, at now: Int64) async throws -> JobRecord? {
        let down = state.withLock {
            $0.claims += 1
            return $0.down
        }
        if down { throw Unreachable() }
        guard let head = try await store.fetchPendingHeads(excluding: [], live: live).first else {
            state.withLock { $0.emptyClaims += 1 }
            return nil
        }
        return try await store.startAttempt(id: head.id, at: now)
    }

    func lostLeases(among ids: Set<String>) async throws -> Set<String> { state.withLock { $0.lost }.intersection(ids) }

    func fetchJob(id: String) async throws -> JobRecord? { try await store.fetchJob(id: id) }
    func fetchJobs(status: JobStatus) async throws -> [JobRecord] { try await store.fetchJobs(status: status) }
    func fetchPendingHeads(excluding: Set<String>, live: Bool?) async throws -> [JobRecord] { [] }
    func startAttempt(id: String, at now: Int64) async throws -> JobRecord? {
        try await store.startAttempt(id: id, at: now)
    }
    func saveJob(_ job: JobRecord) async throws -> Bool {
        if state.withLock({ $0.lost.contains(job.id) }) { return false }
        return try await store.saveJob(job)
    }
}

@Suite("Scheduler: on leases", .timeLimit(.minutes(2)))
struct SchedulerLeaseTests {
    @Test("a lost lease stops the running tools, removes the scratch, and publishes nothing")
    func lostLeaseStops() async throws {
        let stops = Mutex<[StopRequest.Kind?]>([])
        let fake = FakeExecutor(stoppable: { spec, _, stop in
            try? FileManager.default.createDirectory(atPath: spec.workDirectory, withIntermediateDirectories: true)
            try? Data("partial".utf8).write(to: URL(fileURLWithPath: spec.workDirectory + "/part.mp4"))
            _ = await Outcomes.untilCancelled()
            stops.withLock { $0.append(stop.marked) }
            // The publication finished as the stop came: it must be taken back, not recorded.
            return Outcomes.completed(spec)
        })
        var leased: FakeLeasedStore?
        try await withSeamHarness(
            fake,
            seam: {
                leased = FakeLeasedStore($0)
                return leased!
            }
        ) { h, logs in
            let store = try #require(leased)
            let id = try h.addBatch(count: 1)[0]
            try await h.running {
                #expect(await eventually { FileManager.default.fileExists(atPath: h.paths.workDirectory(id)) })
                store.state.withLock { _ = $0.lost.insert(id) }
                #expect(await eventually { fake.log.withLock { $0.undone } == [id] })
                #expect(await eventually { await h.scheduler.runningJobIDs.isEmpty })
            }
            #expect(stops.withLock { $0 } == [.cancel])
            #expect(fake.log.withLock { $0.finished }.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: h.paths.workDirectory(id)))
            #expect(try h.job(id).status == .processing)  // the store kept what the lease's holder wrote
            #expect(logs.entries.contains { $0.message.hasPrefix("lease lost") && $0.metadata["job.id"] == id })
        }
    }

    @Test("claims that fail log one line per outage and one when the database is back; then work goes on")
    func claimFailureLogsOnce() async throws {
        let fake = FakeExecutor { spec, _ in Outcomes.completed(spec) }
        var leased: FakeLeasedStore?
        try await withSeamHarness(
            fake,
            seam: {
                leased = FakeLeasedStore($0)
                return leased!
            }
        ) { h, logs in
            let store = try #require(leased)
            store.state.withLock { $0.down = true }
            let id = try h.addBatch(count: 1)[0]
            try await h.running {
                #expect(await eventually { store.state.withLock { $0.claims } >= 3 })
                store.state.withLock { $0.down = false }
                #expect(await eventually { (try? h.job(id).status) == .completed })
            }
            let down = logs.entries.filter { $0.message == "database unreachable; retrying every 1 s" }
            #expect(down.count == 1 && down.first?.level == .error && down.first?.metadata["node"] == "n1")
            #expect(logs.entries.filter { $0.message == "database reachable again; claiming" }.count == 1)
            #expect(!logs.entries.contains { $0.message == "cannot read the queue" })
        }
    }

    @Test("an idle node polls for claims: work another node accepted is taken without a wake-up")
    func idleNodePolls() async throws {
        let fake = FakeExecutor { spec, _ in Outcomes.completed(spec) }
        var leased: FakeLeasedStore?
        try await withSeamHarness(
            fake,
            seam: {
                leased = FakeLeasedStore($0)
                return leased!
            }
        ) { h, _ in
            try await h.running {
                let store = try #require(leased)
                #expect(await eventually { store.state.withLock { $0.emptyClaims } >= 1 })
                // Inserted behind the scheduler's back: no wake() rings, only the poll finds it.
                let id = try h.addBatch(count: 1)[0]
                #expect(await eventually(timeout: .seconds(5)) { (try? h.job(id).status) == .completed })
            }
        }
    }
}
