import Foundation
import Glibc
import Logging
import SpoolInbox
import Synchronization
import Testing

/// The shared watcher configured as a control directory is: every name reported at once, by the event or by
/// the poll; dot-names never.
@Suite("DirectoryWatcher", .serialized, .timeLimit(.minutes(1)))
struct DirectoryWatcherTests {
    /// Runs a watcher on `directory`, handing each report to `body` through an AsyncStream.
    func watching(
        _ configuration: DirectoryWatcher.Configuration,
        _ body: (inout AsyncStream<String>.Iterator) async throws -> Void
    ) async throws {
        let (reports, sink) = AsyncStream<String>.makeStream()
        let watcher = DirectoryWatcher(configuration: configuration, logger: quietLogger)
        let task = Task { await watcher.run { sink.yield($0) } }
        defer { task.cancel() }
        var iterator = reports.makeAsyncIterator()
        try await body(&iterator)
        task.cancel()
        await task.value
    }

    static func immediate(_ directory: String, rescan: Duration, scanOnly: Bool = false)
        -> DirectoryWatcher
        .Configuration
    {
        .init(
            directory: directory, rescanInterval: rescan, unwatchedRescanInterval: .milliseconds(50),
            scanOnly: scanOnly, readiness: .immediate,
            eventMask: InotifyReader.watchMask | UInt32(IN_CREATE), isCandidate: { !$0.hasPrefix(".") },
            label: "test directory", metadataKey: "directory")
    }

    @Test("a file created while watched is reported at once by its event, whatever its content")
    func eventReportsAtOnce() async throws {
        try await withTempDirectory { dir in
            try writeText(dir + "/early", "not json")
            try await watching(Self.immediate(dir, rescan: .seconds(60))) { reports in
                // The start-up scan reports what is there (and the watch is on from then).
                #expect(await reports.next() == "early")
                let start = ContinuousClock.now
                try writeText(dir + "/.hidden", "")
                try writeText(dir + "/late", "")
                #expect(await reports.next() == "late")
                // No rescan for a minute: only the event can have reported it.
                #expect(start.duration(to: .now) < .seconds(30))
            }
        }
    }

    @Test("without inotify the directory is polled at the unwatched interval")
    func pollsWhenScanOnly() async throws {
        try await withTempDirectory { dir in
            try writeText(dir + "/early", "")
            try await watching(Self.immediate(dir, rescan: .seconds(60), scanOnly: true)) { reports in
                // Reported by the start-up scan: the watcher is running, the next listing is a poll.
                #expect(await reports.next() == "early")
                try writeText(dir + "/polled", "")
                #expect(await reports.next() == "polled")
            }
        }
    }

    @Test("a name consumed and made again is reported again")
    func reportedAgain() async throws {
        try await withTempDirectory { dir in
            try await watching(Self.immediate(dir, rescan: .seconds(60))) { reports in
                try writeText(dir + "/again", "")
                #expect(await reports.next() == "again")
                try FileManager.default.removeItem(atPath: dir + "/again")
                try writeText(dir + "/again", "")
                #expect(await reports.next() == "again")
            }
        }
    }

    @Test("the immediate rule: ready when first seen, once per stamp")
    func immediateRule() {
        var tracker = StabilityTracker(rescanInterval: .seconds(60), incompleteGrace: .seconds(60), rule: .immediate)
        let now = ContinuousClock.now
        let stamp = FileStamp(size: 0, mtimeNanoseconds: 1)
        tracker.observe("a", stamp: stamp, source: .scan, at: now) { false }
        #expect(tracker.takeReady(at: now) == ["a"])
        tracker.observe("a", stamp: stamp, source: .scan, at: now) { false }
        #expect(tracker.takeReady(at: now).isEmpty)
        tracker.observe("a", stamp: FileStamp(size: 1, mtimeNanoseconds: 2), source: .scan, at: now) { false }
        #expect(tracker.takeReady(at: now) == ["a"])
    }
}
