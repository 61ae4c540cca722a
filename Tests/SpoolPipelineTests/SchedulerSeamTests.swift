import Foundation
import Logging
import SpoolCore
import SpoolStore
import Synchronization
import Testing

@testable import SpoolPipeline
@testable import SpoolService

/// A `JobStore` over a real store whose saves of a job waiting for its retry hold until released: a
/// scheduler held mid-save, as a slow database would hold it.
final class HeldSaveStore: JobStore {
    let store: Store
    let gate = Gate()
    let held = Mutex(0)

    init(_ store: Store) { self.store = store }

    func fetchJob(id: String) async throws -> JobRecord? { try await store.fetchJob(id: id) }
    func fetchJobs(status: JobStatus) async throws -> [JobRecord] { try await store.fetchJobs(status: status) }
    func fetchPendingHeads(excluding: Set<String>, live: Bool?) async throws -> [JobRecord] {
        try await store.fetchPendingHeads(excluding: excluding, live: live)
    }
    func startAttempt(id: String, at now: Int64) async throws -> JobRecord? {
        try await store.startAttempt(id: id, at: now)
    }

    func saveJob(_ job: JobRecord) async throws -> Bool {
        if job.step == .waiting {
            held.withLock { $0 += 1 }
            // Not cancellable: the scheduler's save runs in the attempt's task, which a cancel cancels.
            await Task { await gate.wait() }.value
        }
        return try await store.saveJob(job)
    }
}

@Suite("Scheduler: through the store seam")
struct SchedulerSeamTests {
    @Test("a cancel that comes while an attempt's end is being saved still cancels the job")
    func cancelDuringSave() async throws {
        let fake = FakeExecutor { _, _ in .failed(Outcomes.retryable) }
        try await withTempDirectory { root in
            let paths = SpoolPaths(root: root, configuration: .defaults)
            try paths.createLayout()
            let store = try Store(directory: paths.state)
            let held = HeldSaveStore(store)
            let logger = Logger(label: "spool.tests", factory: { _ in SwiftLogNoOpLogHandler() })
            let scheduler = Scheduler(
                store: held, status: StatusWriter(store: store, paths: paths, logger: logger), executor: fake,
                paths: paths, settings: .init(slots: 1, retries: 3, retryBaseDelay: 60), logger: logger)
            let h = SchedulerHarness(paths: paths, store: store, scheduler: scheduler, fake: fake)
            let id = try h.addBatch(count: 1)[0]
            try await h.running {
                // The attempt failed and its retry (Processing/Waiting) is being saved: the job still runs.
                #expect(await eventually { held.held.withLock { $0 } == 1 }, "the retry was never saved")
                #expect(await scheduler.runningJobIDs == [id])
                #expect(await scheduler.cancel(jobID: id) == .stopping)
                held.gate.release()
                #expect(await eventually { await scheduler.runningJobIDs.isEmpty })
            }
            let job = try h.job(id)
            #expect(job.state == JobState(status: .failed, step: .cancelled), "\(job.state)")
            #expect(job.error == "Job cancelled by user" && job.errorType == .error && job.nextRetryAt == nil)
            #expect(try h.statusFile(id)["step"] as? String == "Cancelled")
            #expect(fake.started == [id])
        }
    }
}
