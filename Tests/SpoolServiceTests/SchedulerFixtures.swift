import Foundation
import Logging
import SpoolCore
import SpoolStore
import Synchronization
import Testing

@testable import SpoolPipeline
@testable import SpoolService

/// A `JobExecuting` whose attempts do what the test says, recording what happened.
final class FakeExecutor: JobExecuting {
    struct Log {
        var started: [String] = []
        var current = 0
        var highWater = 0
        var finished: [[String]] = []
        var undone: [String] = []
    }

    let log = Mutex(Log())
    let behaviour: @Sendable (JobSpec, _ attempt: Int, StopRequest) async -> JobOutcome

    init(_ behaviour: @escaping @Sendable (JobSpec, _ attempt: Int) async -> JobOutcome) {
        self.behaviour = { spec, attempt, _ in await behaviour(spec, attempt) }
    }

    /// A fake whose attempts also see the scheduler's stop request.
    init(stoppable behaviour: @escaping @Sendable (JobSpec, _ attempt: Int, StopRequest) async -> JobOutcome) {
        self.behaviour = behaviour
    }

    func run(
        _ spec: JobSpec, stop: StopRequest, report: @escaping @Sendable (JobReport) async -> Void
    ) async -> JobOutcome {
        let attempt = log.withLock { log in
            log.started.append(spec.id)
            log.current += 1
            log.highWater = max(log.highWater, log.current)
            return log.started.filter { $0 == spec.id }.count
        }
        await report(.step(.downloading))
        let outcome = await behaviour(spec, attempt, stop)
        log.withLock { $0.current -= 1 }
        return outcome
    }

    func finish(_ publication: PublishedOutput) { log.withLock { $0.finished.append(publication.publication.keys) } }
    func undo(jobID: String, folder: String?) { log.withLock { $0.undone.append(jobID) } }

    var started: [String] { log.withLock { $0.started } }
    var highWater: Int { log.withLock { $0.highWater } }
    var current: Int { log.withLock { $0.current } }
}

/// Outcomes for the fake.
enum Outcomes {
    static func completed(_ spec: JobSpec) -> JobOutcome {
        var result = JobResult()
        result.s3Key = "\(spec.id).mp4"
        return .completed(
            result, PublishedOutput(OutputPublisher.Publication(keys: ["\(spec.id).mp4"], stagePaths: [])))
    }

    static let retryable = FailureClass(
        message: "The site answered with a server error (HTTP 5xx).", type: .error, retryable: true)
    static let privateVideo = FailureClass(message: "The video is private.", type: .warning, retryable: false)

    /// Waits until the task is cancelled (a running tool), then reports `.cancelled`.
    static func untilCancelled() async -> JobOutcome {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(60)) }
        return .cancelled
    }
}

/// A released-once flag the fake's attempts wait on (honouring cancellation).
final class Gate: Sendable {
    private let open = Mutex(false)
    func release() { open.withLock { $0 = true } }
    func wait() async {
        while !open.withLock({ $0 }) && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
    }
}

/// A real store and status writer on a fresh temp root, and a scheduler driving a fake.
struct SchedulerHarness {
    let paths: SpoolPaths
    let store: Store
    let scheduler: Scheduler
    let fake: FakeExecutor

    init(root: String, slots: Int = 1, retries: Int = 3, retryBaseDelay: Double = 0.01, fake: FakeExecutor) throws {
        paths = SpoolPaths(root: root, configuration: .defaults)
        try paths.createLayout()
        store = try Store(path: paths.database)
        let status = StatusWriter(store: store, paths: paths, logger: quietLogger)
        scheduler = Scheduler(
            store: store, status: status, executor: fake, paths: paths,
            settings: .init(slots: slots, retries: retries, retryBaseDelay: retryBaseDelay), logger: quietLogger)
        self.fake = fake
    }

    init(paths: SpoolPaths, store: Store, scheduler: Scheduler, fake: FakeExecutor) {
        self.paths = paths
        self.store = store
        self.scheduler = scheduler
        self.fake = fake
    }

    /// Adds a batch of `count` jobs created at `createdAt`; returns the job IDs in order.
    @discardableResult
    func addBatch(count: Int, createdAt: Int64 = Date().millisecondsSince1970) throws -> [String] {
        let batch = BatchRecord(
            id: SpoolID.make(), source: "b.json", claimName: nil, idempotencyKey: nil, folder: nil,
            createdAt: createdAt)
        let jobs = (0..<count).map { i in
            JobRecord(
                id: SpoolID.make(), batchId: batch.id, position: i, url: "https://example.com/\(i)", filename: nil,
                folder: nil, options: JobOptions(), createdAt: createdAt)
        }
        _ = try store.createBatch(batch, jobs: jobs)
        return jobs.map(\.id)
    }

    func job(_ id: String) throws -> JobRecord { try #require(try store.job(id: id)) }

    func status(_ id: String) -> (JobStatus, JobStep)? {
        (try? store.job(id: id)).flatMap { $0.map { ($0.status, $0.step) } }
    }

    func statusFile(_ id: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: paths.jobStatus(id)))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Runs the scheduler around `body`, then shuts it down and waits (with a deadline) for `run()` to return.
    func running(_ body: () async throws -> Void) async throws {
        let done = Mutex(false)
        let scheduler = self.scheduler
        let task = Task {
            await scheduler.run()
            done.withLock { $0 = true }
        }
        scheduler.wake()
        do {
            try await body()
        } catch {
            await scheduler.beginShutdown()
            await Self.awaitReturn(of: task) { done.withLock { $0 } }
            throw error
        }
        await scheduler.beginShutdown()
        await Self.awaitReturn(of: task) { done.withLock { $0 } }
    }

    /// Waits for `run()` (`task`) to return after `beginShutdown`, at most `timeout`: a scheduler that hangs
    /// fails this test with a message saying so, instead of stalling the whole run.
    static func awaitReturn(
        of task: Task<Void, Never>, timeout: Duration = .seconds(10), returned isDone: @Sendable () -> Bool
    ) async {
        let returned = await eventually(timeout: timeout) { isDone() }
        guard returned else {
            Issue.record("Scheduler.run() did not return within \(timeout) of beginShutdown: the scheduler hangs")
            task.cancel()
            return
        }
        await task.value
    }
}

func withHarness(
    slots: Int = 1, retries: Int = 3, retryBaseDelay: Double = 0.01, _ fake: FakeExecutor,
    _ body: (SchedulerHarness) async throws -> Void
) async throws {
    try await withTempDirectory { root in
        let harness = try SchedulerHarness(
            root: root, slots: slots, retries: retries, retryBaseDelay: retryBaseDelay, fake: fake)
        try await body(harness)
    }
}
