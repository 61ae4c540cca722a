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

/// A `JobStore` over a real store whose saves of a Completed job fail, as a full disk would fail them.
final class FailingSaveStore: JobStore {
    struct DiskFull: Error {}
    let store: Store

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
        if job.status == .completed { throw DiskFull() }
        return try await store.saveJob(job)
    }
}

/// Keeps every log entry's level, message and metadata, for tests that check what was logged.
final class LogCapture: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let box = Mutex<[Entry]>([])
    var entries: [Entry] { box.withLock { $0 } }

    var logger: Logger { Logger(label: "spool.tests") { _ in Handler(capture: self) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let entry = Entry(
                level: event.level, message: event.message.description, metadata: all.mapValues { "\($0)" })
            capture.box.withLock { $0.append(entry) }
        }
    }
}

/// A scheduler on a fresh root whose store goes through `seam`, with its logs captured.
func withSeamHarness(
    _ fake: FakeExecutor, seam: ((Store) -> any JobStore)? = nil, outage: IngestOutage? = nil,
    _ body: (SchedulerHarness, LogCapture) async throws -> Void
) async throws {
    try await withTempDirectory { root in
        let paths = SpoolPaths(root: root, configuration: .defaults)
        try paths.createLayout()
        let store = try Store(path: paths.database)
        let logs = LogCapture()
        let scheduler = Scheduler(
            store: seam?(store) ?? store, status: StatusWriter(store: store, paths: paths, logger: logs.logger),
            executor: fake,
            paths: paths, settings: .init(slots: 1, retries: 3, retryBaseDelay: 60), outage: outage,
            logger: logs.logger)
        try await body(SchedulerHarness(paths: paths, store: store, scheduler: scheduler, fake: fake), logs)
    }
}

@Suite("Scheduler: through the store seam")
struct SchedulerSeamTests {
    @Test("a save that fails is logged with the job, the change and the error; the output is undone")
    func failedSaveIsLogged() async throws {
        let fake = FakeExecutor { spec, _ in Outcomes.completed(spec) }
        try await withSeamHarness(fake, seam: FailingSaveStore.init) { h, logs in
            let id = try h.addBatch(count: 1)[0]
            try await h.running {
                #expect(await eventually { fake.log.withLock { $0.undone } == [id] })
            }
            let entry = try #require(logs.entries.first { $0.message == "cannot save job" })
            #expect(entry.level == .error)
            #expect(entry.metadata["job.id"] == id && entry.metadata["change"] == "attempt ended")
            #expect(entry.metadata["error"]?.contains("DiskFull") == true)
            #expect(fake.log.withLock { $0.finished }.isEmpty)
            #expect(try h.job(id).status == .processing)
        }
    }

    @Test("an outcome the state machine refuses (the job ended meanwhile) is logged, not saved")
    func refusedOutcomeIsLogged() async throws {
        let store = Mutex<Store?>(nil)
        // The attempt fails after its job was ended behind the scheduler's back.
        let fake = FakeExecutor { spec, _ in
            if let store = store.withLock({ $0 }), var job = try? store.job(id: spec.id) {
                job.state = JobState(status: .skipped, step: .finished)
                _ = try? store.save(job)
            }
            return .failed(Outcomes.retryable)
        }
        try await withSeamHarness(fake) { h, logs in
            store.withLock { $0 = h.store }
            let id = try h.addBatch(count: 1)[0]
            try await h.running {
                #expect(await eventually { logs.entries.contains { $0.message.contains("refused") } })
            }
            let entry = try #require(logs.entries.first { $0.message.contains("refused") })
            #expect(entry.level == .error)
            #expect(entry.metadata["job.id"] == id && entry.metadata["status"] == "Skipped")
            #expect(entry.metadata["step"] == "Finished" && entry.metadata["event"] == "retryScheduled")
            let job = try h.job(id)
            #expect(job.state == JobState(status: .skipped, step: .finished))
            #expect(job.nextRetryAt == nil && job.downloadRetries == 0 && job.error == nil)
        }
    }

    @Test("a cancel that comes while an attempt's end is being saved still cancels the job")
    func cancelDuringSave() async throws {
        let fake = FakeExecutor { _, _ in .failed(Outcomes.retryable) }
        try await withTempDirectory { root in
            let paths = SpoolPaths(root: root, configuration: .defaults)
            try paths.createLayout()
            let store = try Store(path: paths.database)
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
