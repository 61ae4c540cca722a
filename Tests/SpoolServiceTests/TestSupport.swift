import Foundation
import Logging
import SpoolCore
import SpoolPipeline
import SpoolStore
import Synchronization
import Testing

@testable import SpoolService

func withTempDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "spool-service-tests-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

func writeText(_ path: String, _ text: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

func readText(_ path: String) -> String? {
    (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
}

/// Polls `condition` until it holds or `timeout` passes; for state on disk, which announces nothing.
func eventually(
    timeout: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

let quietLogger = Logger(label: "spool.tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// A job executor that is never expected to run anything (tests that do not start the scheduler's loop).
struct IdleExecutor: JobExecuting {
    func run(_ spec: JobSpec, stop: StopRequest, report: @escaping @Sendable (JobReport) async -> Void) async
        -> JobOutcome
    {
        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
        return .cancelled
    }
    func finish(_ publication: PublishedOutput) {}
    func undo(jobID: String, folder: String?) {}
}

/// A real store, status writer, ingestor and scheduler on a fresh temp root.
struct ServiceHarness {
    let paths: SpoolPaths
    let store: Store
    let status: StatusWriter
    let ingestor: Ingestor
    let scheduler: Scheduler

    init(root: String) throws {
        paths = SpoolPaths(root: root, configuration: .defaults)
        try paths.createLayout()
        store = try Store(path: paths.database)
        status = StatusWriter(store: store, paths: paths, logger: quietLogger)
        ingestor = Ingestor(store: store, paths: paths, configuration: .defaults, status: status, logger: quietLogger)
        scheduler = Scheduler(
            store: store, status: status, executor: IdleExecutor(), paths: paths,
            settings: .init(slots: 1, retries: 0, retryBaseDelay: 0.01), logger: quietLogger)
    }

    /// Adds a batch of `count` jobs; returns the job IDs in order.
    @discardableResult
    func addBatch(count: Int) throws -> [String] {
        let now = Date().millisecondsSince1970
        let batch = BatchRecord(
            id: SpoolID.make(), source: "b.json", claimName: nil, idempotencyKey: nil, folder: nil, createdAt: now)
        let jobs = (0..<count).map { i in
            JobRecord(
                id: SpoolID.make(), batchId: batch.id, position: i, url: "https://example.com/\(i)", filename: nil,
                folder: nil, options: JobOptions(), createdAt: now)
        }
        _ = try store.createBatch(batch, jobs: jobs)
        return jobs.map(\.id)
    }

    func job(_ id: String) throws -> JobRecord { try #require(try store.job(id: id)) }
}
