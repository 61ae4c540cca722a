import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SpoolCore
import SpoolPipeline
import SpoolService
import SpoolStore
import Testing

@testable import SpoolHTTP

/// A job executor that never runs anything: these tests do not start the scheduler's loop.
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

let quietLogger = Logger(label: "spool.http.tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// A real store, ingestor, control and status writer on a fresh temp root, and the API's router over them.
struct HTTPFixture {
    let root: String
    let parts: DaemonParts
    let readiness: Readiness

    init(apiKeys: [String] = [], maxBatchBytes: Int = 1_048_576, ready: Bool = true) throws {
        root = NSTemporaryDirectory() + "spool-http-tests-\(UUID().uuidString)"
        var configuration = SpoolConfiguration()
        configuration.apiKeys = apiKeys
        configuration.maxBatchBytes = maxBatchBytes
        let paths = SpoolPaths(root: root, configuration: configuration)
        try paths.createLayout()
        let store = try Store(path: paths.database)
        let status = StatusWriter(store: store, paths: paths, logger: quietLogger)
        var ingestor = Ingestor(
            store: store, paths: paths, configuration: configuration, status: status, logger: quietLogger)
        ingestor.checkNetwork = false
        let scheduler = Scheduler(
            store: store, status: status, executor: IdleExecutor(), paths: paths,
            settings: .init(slots: 1, retries: 0, retryBaseDelay: 0.01), logger: quietLogger)
        let control = ControlFiles(
            store: store, paths: paths, scheduler: scheduler, ingestor: ingestor, status: status, logger: quietLogger)
        parts = DaemonParts(
            store: store, paths: paths, configuration: configuration, ingestor: ingestor, scheduler: scheduler,
            control: control, status: status, metrics: nil, logger: quietLogger)
        readiness = Readiness(ready: ready)
    }

    var api: SpoolAPI { SpoolAPI(parts: parts, readiness: readiness) }

    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let app = Application(router: api.makeRouter(), logger: quietLogger)
        try await app.test(.router, body)
    }

    func file(_ relative: String) -> Data? { FileManager.default.contents(atPath: root + "/" + relative) }
}

let jsonHeaders: HTTPFields = [.contentType: "application/json"]

func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

func json(_ response: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(bytesOf: response.body)) as? [String: Any])
}

extension Data {
    init(bytesOf buffer: ByteBuffer) { self.init(buffer.readableBytesView) }
}

/// Two jobs on loopback (no network is touched: the scheduler does not run).
let twoJobs = #"{"folder": "f", "jobs": [{"url": "http://127.0.0.1:9/a.mp4"}, {"url": "http://127.0.0.1:9/b.mp4"}]}"#

extension DaemonParts {
    /// The fixture's engine is SQLite: its synchronous API, for the tests' own set-up and reads.
    var sqlite: Store { store as! Store }
}
