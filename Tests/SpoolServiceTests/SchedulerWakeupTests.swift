import Foundation
import Logging
import SpoolCore
import SpoolStore
import Synchronization
import Testing

@testable import SpoolPipeline
@testable import SpoolService

/// A `FakeLeasedStore` that also announces changes, as LISTEN/NOTIFY does: `announce()` wakes its listener.
final class AnnouncingLeasedStore: LeasedJobStore, JobWakeupSource {
    let base: FakeLeasedStore
    private let listeners = Mutex<[@Sendable () -> Void]>([])
    var node: String { base.node }

    init(_ store: Store) { base = FakeLeasedStore(store) }

    func announce() { for wake in listeners.withLock({ $0 }) { wake() } }
    var listening: Bool { !listeners.withLock { $0 }.isEmpty }

    func listenForWakeups(_ wake: @escaping @Sendable () -> Void) async {
        listeners.withLock { $0.append(wake) }
        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }
    }

    func claimNext(live: Bool?, at now: Int64) async throws -> JobRecord? {
        try await base.claimNext(live: live, at: now)
    }
    func lostLeases(among ids: Set<String>) async throws -> Set<String> { try await base.lostLeases(among: ids) }
    func fetchJob(id: String) async throws -> JobRecord? { try await base.fetchJob(id: id) }
    func fetchJobs(status: JobStatus) async throws -> [JobRecord] { try await base.fetchJobs(status: status) }
    func fetchPendingHeads(excluding: Set<String>, live: Bool?) async throws -> [JobRecord] { [] }
    func startAttempt(id: String, at now: Int64) async throws -> JobRecord? {
        try await base.startAttempt(id: id, at: now)
    }
    func saveJob(_ job: JobRecord) async throws -> Bool { try await base.saveJob(job) }
}

@Suite("Scheduler: woken by other nodes", .timeLimit(.minutes(1)))
struct SchedulerWakeupTests {
    @Test("with the poll far away, another node's announced batch is claimed at once")
    func announcedWorkIsClaimed() async throws {
        let fake = FakeExecutor { spec, _ in Outcomes.completed(spec) }
        try await withTempDirectory { root in
            let paths = SpoolPaths(root: root, configuration: .defaults)
            try paths.createLayout()
            let store = try Store(path: paths.database)
            let leased = AnnouncingLeasedStore(store)
            let scheduler = Scheduler(
                store: leased, status: StatusWriter(store: store, paths: paths, logger: quietLogger), executor: fake,
                paths: paths, settings: .init(slots: 1, retries: 0, retryBaseDelay: 60, claimPoll: 600),
                logger: quietLogger)
            let h = SchedulerHarness(paths: paths, store: store, scheduler: scheduler, fake: fake)
            try await h.running {
                #expect(await eventually { leased.listening && leased.base.state.withLock { $0.emptyClaims } >= 1 })
                let id = try h.addBatch(count: 1)
                #expect(await eventually(timeout: .seconds(2)) { !fake.started.isEmpty } == false)  // no poll yet
                leased.announce()
                #expect(await eventually(timeout: .seconds(5)) { (try? h.job(id[0]).status) == .completed })
            }
        }
    }
}
