import Foundation
import Glibc
import Logging
import Testing

@testable import SpoolInbox

/// Real inotify in a temp directory. Serialized: each test runs a watcher with its own timing expectations.
@Suite("InboxWatcher", .serialized, .timeLimit(.minutes(1)))
struct InboxWatcherTests {
    @Test("a file renamed in is reported fast, by the event, about once")
    func renameIn() async throws {
        try await withTempDirectory { root in
            let inbox = "\(root)/inbox"
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: false)
            // A long rescan interval: only the event can report it within the deadline.
            try await withWatchEvents(inbox: inbox, rescanInterval: .seconds(60)) { events in
                try writeFile("\(root)/.staging", #"{"urls": ["https://example.com/a"]}"#)
                let start = ContinuousClock.now
                #expect(rename("\(root)/.staging", "\(inbox)/batch.json") == 0)
                let first = try #require(await events.report("batch.json"))
                #expect(start.duration(to: first.at) < .seconds(2))
                #expect(first.content?.contains("example.com") == true)
                // Once: no second report before a later file's.
                try writeFile("\(root)/.staging", #"{"urls": []}"#)
                #expect(rename("\(root)/.staging", "\(inbox)/later.json") == 0)
                let before = try #require(await events.reportsBefore("later.json"))
                #expect(!before.contains("batch.json"))
            }
        }
    }

    @Test("a file written in place is reported on close-write")
    func closeWrite() async throws {
        try await withTempDirectory { inbox in
            try await withWatcher(inbox: inbox, rescanInterval: .seconds(60)) { log, _ in
                try appendInOneOpen("\(inbox)/direct.json", #"{"urls": []}"#)
                #expect(await eventually(timeout: .seconds(5)) { await log.count(of: "direct.json") >= 1 })
            }
        }
    }

    @Test("a file appended to in several open/append/close steps is reported only once complete")
    func partialWrites() async throws {
        try await withTempDirectory { inbox in
            try await withWatcher(inbox: inbox, rescanInterval: .milliseconds(100), incompleteGrace: .seconds(3)) {
                log, _ in
                let path = "\(inbox)/slow.json"
                let parts = [#"{"urls": ["#, #""https://example.com/1", "#, #""https://example.com/2""#, "]}"]
                var beforeLastWrite = ContinuousClock.now
                for (index, part) in parts.enumerated() {
                    // Pauses well under the grace, several scan intervals long.
                    if index > 0 { try await Task.sleep(for: .milliseconds(300)) }
                    if index == parts.count - 1 { beforeLastWrite = .now }
                    try appendInOneOpen(path, part)
                }
                #expect(await eventually(timeout: .seconds(5)) { await log.count(of: "slow.json") >= 1 })
                let first = try #require(await log.first("slow.json"))
                #expect(first.at >= beforeLastWrite)
                #expect(first.content == parts.joined())
            }
        }
    }

    @Test("an incomplete file is reported after the grace when it stops changing")
    func incompleteAfterGrace() async throws {
        try await withTempDirectory { inbox in
            try await withWatcher(inbox: inbox, rescanInterval: .seconds(60), incompleteGrace: .milliseconds(500)) {
                log, _ in
                let start = ContinuousClock.now
                try appendInOneOpen("\(inbox)/broken.json", #"{"urls": ["#)
                #expect(await eventually(timeout: .seconds(5)) { await log.count(of: "broken.json") >= 1 })
                let first = try #require(await log.first("broken.json"))
                #expect(start.duration(to: first.at) >= .milliseconds(500))
            }
        }
    }

    @Test("a file present before start is reported by the scan")
    func presentBeforeStart() async throws {
        try await withTempDirectory { inbox in
            try writeFile("\(inbox)/early.json", #"{"urls": []}"#)
            try await withWatcher(inbox: inbox, rescanInterval: .milliseconds(100)) { log, _ in
                #expect(await eventually { await log.count(of: "early.json") >= 1 })
            }
        }
    }

    @Test("symlinks, FIFOs, directories, dot-names and .tmp files are never reported")
    func ignoredEntries() async throws {
        try await withTempDirectory { root in
            let inbox = "\(root)/inbox"
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: false)
            let json = #"{"urls": []}"#
            try writeFile("\(root)/target.json", json)
            // Some exist before start (found by the scan) ...
            #expect(symlink("\(root)/target.json", "\(inbox)/link-early.json") == 0)
            #expect(mkfifo("\(inbox)/fifo-early.json", 0o644) == 0)
            try FileManager.default.createDirectory(
                atPath: "\(inbox)/dir-early.json", withIntermediateDirectories: false)
            try writeFile("\(inbox)/.hidden-early.json", json)
            try writeFile("\(inbox)/early.json.tmp", json)
            try await withWatcher(inbox: inbox, rescanInterval: .milliseconds(100), incompleteGrace: .milliseconds(500))
            {
                log, _ in
                // ... and some arrive by rename while watching (so IN_MOVED_TO fires for them).
                #expect(symlink("\(root)/target.json", "\(root)/link") == 0)
                #expect(rename("\(root)/link", "\(inbox)/link-late.json") == 0)
                #expect(mkfifo("\(root)/fifo", 0o644) == 0)
                #expect(rename("\(root)/fifo", "\(inbox)/fifo-late.json") == 0)
                try FileManager.default.createDirectory(atPath: "\(root)/dir", withIntermediateDirectories: false)
                #expect(rename("\(root)/dir", "\(inbox)/dir-late.json") == 0)
                try writeFile("\(inbox)/.hidden-late.json", json)
                try writeFile("\(inbox)/late.json.tmp", json)
                try writeFile("\(inbox)/late.part", json)
                // The sentinel does not parse, so it is reported only after the grace and two scans: by then
                // every entry above has been seen by events and by several scans.
                try writeFile("\(root)/sentinel", "not json")
                #expect(rename("\(root)/sentinel", "\(inbox)/zz-sentinel.json") == 0)
                #expect(await eventually { await log.count(of: "zz-sentinel.json") >= 1 })
                #expect(await log.names.allSatisfy { $0 == "zz-sentinel.json" })
            }
        }
    }

    @Test("a missing inbox is waited out, and watched once it appears")
    func missingInbox() async throws {
        try await withTempDirectory { root in
            let inbox = "\(root)/later"
            try await withWatchEvents(inbox: inbox, rescanInterval: .seconds(1)) { events in
                #expect(await events.log("inbox missing or unreadable; waiting for it"))
                try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: false)
                #expect(await events.log("inbox available again"))
                try await expectReportedByEvent(root: root, inbox: inbox, name: "after.json", events: &events)
                #expect(events.logs.filter { $0 == "inbox missing or unreadable; waiting for it" }.count == 1)
            }
        }
    }

    @Test("an inbox removed and re-created while watched is watched again")
    func inboxRecreated() async throws {
        try await withTempDirectory { root in
            let inbox = "\(root)/inbox"
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: false)
            try await withWatchEvents(inbox: inbox, rescanInterval: .seconds(1)) { events in
                try FileManager.default.removeItem(atPath: inbox)
                // IN_DELETE_SELF triggers a scan at once, which finds the inbox missing.
                #expect(await events.log("inbox missing or unreadable; waiting for it"))
                try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: false)
                #expect(await events.log("inbox available again"))
                try await expectReportedByEvent(root: root, inbox: inbox, name: "again.json", events: &events)
            }
        }
    }

    /// Renames a batch in and expects it reported faster than two 1 s scans could: proof of a live watch.
    private func expectReportedByEvent(
        root: String, inbox: String, name: String, events: inout WatchEvents
    ) async throws {
        try writeFile("\(root)/.staging", #"{"urls": []}"#)
        let start = ContinuousClock.now
        #expect(rename("\(root)/.staging", "\(inbox)/\(name)") == 0)
        let first = try #require(await events.report(name))
        #expect(start.duration(to: first.at) < .milliseconds(800))
    }

    @Test("cancellation ends run() promptly")
    func cancellation() async throws {
        try await withTempDirectory { inbox in
            let (stream, sink) = AsyncStream<WatchEvents.Event>.makeStream()
            var events = WatchEvents(iterator: stream.makeAsyncIterator())
            let watcher = InboxWatcher(
                configuration: .init(inbox: inbox, rescanInterval: .seconds(60), incompleteGrace: .seconds(60)),
                logger: WatchEvents.logger(sink))
            let task = Task { await watcher.run { _ in } }
            let deadline = Task {
                try? await Task.sleep(for: .seconds(10))
                sink.finish()
            }
            defer { deadline.cancel() }
            #expect(await events.log("inbox watch ready"))
            #expect(openInotifyDescriptors() >= 1)
            let start = ContinuousClock.now
            task.cancel()
            await task.value
            #expect(start.duration(to: .now) < .seconds(2))
            // The descriptor is closed by the Dispatch source's cancel handler, just after run() returns.
            #expect(await eventually(timeout: .seconds(2)) { openInotifyDescriptors() == 0 })
        }
    }

    @Test("a periodic rescan of an unchanged watched inbox does not list it again; a change makes it list")
    func rescanSkipsUnchangedListing() async throws {
        try await withTempDirectory { inbox in
            for i in 0..<50 { try writeFile("\(inbox)/.rsync-\(i).json.XXXXXX", "{}") }
            try writeFile("\(inbox)/early.json", #"{"urls": []}"#)
            // The stamp is trusted only once it is 2 s old: wait for exactly that moment.
            try await waitUntilStampAged(inbox)
            // A live watch whose events are dropped: only the scans can find anything here.
            let reader = try #require(InotifyReader { _ in })
            defer { reader.close() }
            let interval = Duration.milliseconds(20)
            var loop = InboxWatchLoop(
                configuration: .init(inbox: inbox, rescanInterval: interval, incompleteGrace: .seconds(60)),
                logger: LogCapture().logger, reader: reader)
            let reported = ReportedNames()
            await loop.start { await reported.add($0) }
            #expect(loop.listings == 1)
            for _ in 0..<4 {
                try await Task.sleep(until: loop.nextDeadline())
                await loop.tick { await reported.add($0) }
            }
            // Answered from the tracker, which still saw early.json unchanged and reported it.
            #expect(loop.listings == 1)
            #expect(await reported.names == ["early.json"])
            // A file that no event announces: the directory moved, so the next scan lists and finds it.
            try writeFile("\(inbox)/late.json", #"{"urls": []}"#)
            for _ in 0..<4 {
                try await Task.sleep(until: loop.nextDeadline())
                await loop.tick { await reported.add($0) }
            }
            #expect(loop.listings >= 2)
            #expect(await reported.names == ["early.json", "late.json"])
            // At most `maxListingsSkipped` skips in a row.
            let before = loop.listings
            for _ in 0...InboxWatchLoop.maxListingsSkipped {
                try await Task.sleep(until: loop.nextDeadline())
                await loop.tick { _ in }
            }
            #expect(loop.listings > before)
        }
    }

    @Test("listing an inbox of 10,000 dot-files of every name length returns just the candidates")
    func listManyDotFiles() async throws {
        try await withTempDirectory { inbox in
            // Names of 1…200 bytes, so records of every length end up at the end of readdir's buffer.
            for i in 0..<10_000 {
                let name = "." + String(repeating: "r", count: i % 200) + "\(i)"
                #expect(Glibc.close(Glibc.open("\(inbox)/\(name)", O_CREAT | O_WRONLY, 0o644)) == 0)
            }
            for name in ["a.json", String(repeating: "b", count: 250) + ".json", "c.txt.tmp"] {
                try writeFile("\(inbox)/\(name)", "{}")
            }
            for _ in 0..<3 {
                let names = try InboxWatchLoop.listCandidates(inbox).sorted()
                #expect(names == ["a.json", String(repeating: "b", count: 250) + ".json"])
            }
        }
    }

    @Test("the loop's next deadline is the next scan when nothing waits, and a grace's end when something does")
    func nextDeadline() async throws {
        try await withTempDirectory { inbox in
            let reader = try #require(InotifyReader { _ in })
            defer { reader.close() }
            var loop = InboxWatchLoop(
                configuration: .init(inbox: inbox, rescanInterval: .seconds(60), incompleteGrace: .seconds(2)),
                logger: LogCapture().logger, reader: reader)
            await loop.start { _ in }
            let idle = ContinuousClock.now.duration(to: loop.nextDeadline())
            #expect(idle > .seconds(59) && idle <= .seconds(60))
            // An incomplete file closed by a local writer waits out the grace: the loop must look then.
            try writeFile("\(inbox)/broken.json", #"{"urls": ["#)
            // The first watch on a fresh inotify descriptor is watch 1.
            await loop.handle([InotifyEvent(wd: 1, mask: UInt32(IN_CLOSE_WRITE), name: "broken.json")]) { _ in }
            let waiting = ContinuousClock.now.duration(to: loop.nextDeadline())
            #expect(waiting > .seconds(1) && waiting <= .seconds(2))
        }
    }

    @Test("an IN_Q_OVERFLOW event triggers a full rescan")
    func overflowRescans() async throws {
        try await withTempDirectory { inbox in
            let capture = LogCapture()
            var loop = InboxWatchLoop(
                configuration: .init(inbox: inbox, rescanInterval: .seconds(60), incompleteGrace: .seconds(60)),
                logger: capture.logger, reader: nil)
            await loop.start { _ in }
            let before = capture.all.filter { $0 == "inbox rescan" }.count
            await loop.handle([InotifyEvent(wd: -1, mask: UInt32(IN_Q_OVERFLOW))]) { _ in }
            #expect(capture.all.filter { $0 == "inbox rescan" }.count == before + 1)
        }
    }
}

/// inotify descriptors open in this process (the watcher suite is serialized, and no other suite opens one).
private func openInotifyDescriptors() -> Int {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return names.filter { name in
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)")) == "anon_inode:inotify"
    }.count
}

/// Names a loop reported, in order.
private actor ReportedNames {
    private(set) var names: [String] = []
    func add(_ name: String) { names.append(name) }
}

/// Waits until the directory's stamp (its newest mtime or ctime) is 2 s old by the realtime clock, the age at
/// which a listing vouches for it (`DirectoryWatchLoop.scan`).
private func waitUntilStampAged(_ directory: String) async throws {
    let stamp = try #require(InboxWatchLoop.directoryStamp(directory))
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let newest = max(stamp.mtime.tv_sec, stamp.ctime.tv_sec)
    // Whole seconds, as the loop compares them: the next second boundary after newest + 2.
    let wait = Double(newest + 2 - now.tv_sec) - Double(now.tv_nsec) / 1e9 + 0.01
    if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
}
