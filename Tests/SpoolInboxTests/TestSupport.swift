import Foundation
import Glibc
import Logging
import SpoolFiles
import Synchronization
import Testing

@testable import SpoolInbox

/// A fresh directory under /tmp for one test, removed afterwards.
func withTempDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = "/tmp/spool-inbox-tests-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

func writeFile(_ path: String, _ text: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

func readFile(_ path: String) -> String? {
    (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
}

/// Appends in its own open/write/close cycle, like a writer that closes between partial writes.
func appendInOneOpen(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FileError(.open, "test append", path: path, errno: errno) }
    defer { close(fd) }
    let written = text.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) }
    guard written == text.utf8.count else { throw FileError(.write, "short write", path: path) }
}

func exists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held. Never a fixed sleep.
func eventually(
    timeout: Duration = .seconds(10), _ condition: @Sendable () async -> Bool
) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

/// What the watcher reported, when, and what the file held at that moment.
actor CandidateLog {
    /// One `onCandidate` call.
    struct Report: Sendable {
        var name: String
        var at: ContinuousClock.Instant
        var content: String?
    }

    private(set) var reports: [Report] = []

    func add(_ report: Report) { reports.append(report) }

    var names: [String] { reports.map(\.name) }

    func first(_ name: String) -> Report? { reports.first { $0.name == name } }

    func count(of name: String) -> Int { reports.filter { $0.name == name }.count }
}

/// Collects log messages so tests can wait for "inbox watch ready" instead of sleeping.
final class LogCapture: Sendable {
    private let messages = Mutex<[String]>([])

    var all: [String] { messages.withLock { $0 } }

    func contains(_ message: String) -> Bool { messages.withLock { $0.contains(message) } }

    func append(_ message: String) { messages.withLock { $0.append(message) } }

    var logger: Logger {
        Logger(label: "spool.inbox.test") { _ in CapturingLogHandler(capture: self) }
    }
}

/// A `LogHandler` that hands every message to a `LogCapture`, at every level.
struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { capture.append(event.message.description) }
}

/// Runs an `InboxWatcher` on `inbox` for the duration of `body`, then cancels it and waits for it to end.
func withWatcher(
    inbox: String, rescanInterval: Duration = .milliseconds(100), incompleteGrace: Duration = .seconds(2),
    maxBytes: Int = 1 << 20, waitUntilReady: Bool = true,
    _ body: (CandidateLog, LogCapture) async throws -> Void
) async throws {
    let log = CandidateLog()
    let capture = LogCapture()
    let watcher = InboxWatcher(
        configuration: .init(
            inbox: inbox, rescanInterval: rescanInterval, incompleteGrace: incompleteGrace, maxBytes: maxBytes),
        logger: capture.logger)
    let task = Task {
        await watcher.run { name in
            let content = readFile("\(inbox)/\(name)")
            await log.add(.init(name: name, at: .now, content: content))
        }
    }
    do {
        if waitUntilReady {
            let ready = await eventually { capture.contains("inbox watch ready") }
            try #require(ready)
        }
        try await body(log, capture)
    } catch {
        task.cancel()
        await task.value
        throw error
    }
    task.cancel()
    await task.value
}
