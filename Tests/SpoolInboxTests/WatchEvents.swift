import Foundation
import Logging
import Testing

@testable import SpoolInbox

/// A watcher's reports and log messages on one stream, read in order, which ends at the test's deadline.
struct WatchEvents {
    enum Event: Sendable {
        case report(CandidateLog.Report)
        case log(String)
    }

    var iterator: AsyncStream<Event>.Iterator
    /// Every log message read so far.
    private(set) var logs: [String] = []

    init(iterator: AsyncStream<Event>.Iterator) {
        self.iterator = iterator
    }

    /// A logger that sends every message, at every level, to `sink`.
    static func logger(_ sink: AsyncStream<Event>.Continuation) -> Logger {
        Logger(label: "spool.inbox.test") { _ in StreamLogHandler(sink: sink) }
    }

    /// Reads up to the first report of `name`; nil if the deadline comes first.
    mutating func report(_ name: String) async -> CandidateLog.Report? {
        while let event = await iterator.next() {
            switch event {
            case .report(let report) where report.name == name: return report
            case .report: continue
            case .log(let message): logs.append(message)
            }
        }
        return nil
    }

    /// The names reported before the first report of `name`; nil if the deadline comes first.
    mutating func reportsBefore(_ name: String) async -> [String]? {
        var names: [String] = []
        while let event = await iterator.next() {
            switch event {
            case .report(let report) where report.name == name: return names
            case .report(let report): names.append(report.name)
            case .log(let message): logs.append(message)
            }
        }
        return nil
    }

    /// Whether `message` was logged: read already, or read now up to it; false if the deadline comes first.
    mutating func log(_ message: String) async -> Bool {
        if logs.contains(message) { return true }
        while let event = await iterator.next() {
            if case .log(let line) = event {
                logs.append(line)
                if line == message { return true }
            }
        }
        return false
    }
}

/// Runs an `InboxWatcher` on `inbox` and hands `body` its events, from the moment it is ready (events are
/// not missed from then); the stream ends after `deadline`, so a missing event fails instead of hanging.
func withWatchEvents(
    inbox: String, rescanInterval: Duration = .milliseconds(100), incompleteGrace: Duration = .seconds(2),
    deadline: Duration = .seconds(10), _ body: (inout WatchEvents) async throws -> Void
) async throws {
    let (stream, sink) = AsyncStream<WatchEvents.Event>.makeStream()
    var events = WatchEvents(iterator: stream.makeAsyncIterator())
    let watcher = InboxWatcher(
        configuration: .init(inbox: inbox, rescanInterval: rescanInterval, incompleteGrace: incompleteGrace),
        logger: WatchEvents.logger(sink))
    let task = Task {
        await watcher.run { name in
            sink.yield(.report(.init(name: name, at: .now, content: readFile("\(inbox)/\(name)"))))
        }
    }
    let timer = Task {
        try? await Task.sleep(for: deadline)
        sink.finish()
    }
    defer {
        timer.cancel()
        task.cancel()
    }
    try #require(await events.log("inbox watch ready"))
    try await body(&events)
    task.cancel()
    await task.value
}

/// A `LogHandler` that sends every message to a stream.
private struct StreamLogHandler: LogHandler {
    let sink: AsyncStream<WatchEvents.Event>.Continuation
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { sink.yield(.log(event.message.description)) }
}
