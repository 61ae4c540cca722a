import Foundation
import ServiceLifecycle
import ServiceLifecycleTestKit
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolService

/// The service on the `StoreEngine` seam: the rebuild through the protocol's methods (what an engine other
/// than SQLite gets) leaves the same files as through SQLite's start-up connection; status writes land in
/// the order they were asked for; the daemon runs on the engine it is given.
@Suite("Service on the StoreEngine seam", .serialized, .timeLimit(.minutes(2)))
struct StoreEngineSeamTests {
    struct NoStartup: Error {}

    @Test("without the SQLite start-up connection the rebuild, marker and seal go through the protocol, same files")
    func rebuildThroughProtocol() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let journalTests = StatusJournalRebuildTests()
            let batches = try await journalTests.ingest(h, batches: 4, jobs: 5)
            try await journalTests.crashAfterUncommittedFiles(h, batches)
            try FileManager.default.removeItem(atPath: h.paths.jobStatus(batches[3].jobs[2]))
            try FileManager.default.removeItem(atPath: h.paths.batchStatus(batches[3].batch))

            var engine = StatusRebuilder(status: h.status, logger: quietLogger)
            // The default on a `Store` is SQLite's start-up connection: a failing one makes the rebuild fail.
            engine.openStartup = { throw NoStartup() }
            await #expect(throws: NoStartup.self) { try await engine.rebuildAll() }
            engine.openStartup = nil
            try await engine.rebuild(marker: await engine.consumeMarker())
            let afterJournal = try journalTests.snapshot(h.paths)
            #expect(afterJournal.count == 4 * 5 + 4)
            let finished =
                try JSONSerialization.jsonObject(
                    with: try #require(afterJournal[h.paths.batchStatus(batches[1].batch)])) as? [String: Any]
            #expect(finished?["status"] as? String == "finished")
            try await engine.rebuildAll()
            #expect(try journalTests.snapshot(h.paths) == afterJournal)
            try await StatusRebuilder(status: h.status, logger: quietLogger).rebuildAll()
            #expect(try journalTests.snapshot(h.paths) == afterJournal)

            // The clean stop's seal and the next start's check, both through the protocol.
            await engine.markCleanShutdown()
            #expect(try h.store.statusJournal().isEmpty)
            try FileManager.default.removeItem(atPath: h.paths.jobStatus(batches[0].jobs[1]))
            #expect(await engine.consumeMarker() == .valid)
            #expect(try await engine.restoreMissing() == (jobs: 1, batches: 0))
            #expect(try journalTests.snapshot(h.paths) == afterJournal)
        }
    }

    @Test("status writes land in the order they were asked for, whatever order their reads finish in")
    func writeOrder() async throws {
        let order = StatusWriteOrder()
        let first = order.ticket()
        let second = order.ticket()
        let written = LockedBox<[UInt64]>([])
        func write(_ ticket: UInt64) -> Task<Void, Never> {
            Task {
                await order.turn(ticket)
                written.withLock { $0.append(ticket) }
                order.done(ticket)
            }
        }
        // The second write is ready first; it must wait for the first. (Unstructured tasks, polled with a
        // deadline: a broken order fails the test instead of leaving it waiting.)
        _ = write(second)
        try await Task.sleep(for: .milliseconds(200))
        #expect(written.withLock { $0 }.isEmpty)
        _ = write(first)
        let deadline = ContinuousClock.now + .seconds(10)
        while written.withLock({ $0.count }) < 2 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(written.withLock { $0 } == [first, second])
        // A third ticket, taken after both are done, writes at once.
        _ = write(order.ticket())
        while written.withLock({ $0.count }) < 3 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(written.withLock { $0.count } == 3)
    }

    @Test("the daemon runs on the engine it is given")
    func daemonTakesEngine() async throws {
        try await withTempDirectory { root in
            let paths = SpoolPaths(root: root, configuration: .defaults)
            try paths.createLayout()
            let id = try ServiceHarness(root: root).addBatch(count: 1)[0]
            #expect(!FileManager.default.fileExists(atPath: paths.jobStatus(id)))
            var configuration = SpoolConfiguration.defaults
            configuration.downloads = 0
            let opened = LockedBox(0)
            let (events, sink) = AsyncStream<SpoolDaemon.Event>.makeStream()
            var daemon = SpoolDaemon(
                paths: paths, configuration: configuration, logger: quietLogger,
                engine: { paths in
                    opened.withLock { $0 += 1 }
                    return try Store(path: paths.database)
                })
            daemon.onEvent = { event in
                sink.yield(event)
                if event == .sealed { sink.finish() }
            }
            let service = daemon
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { sink.finish() }
                        try await service.run()
                    }
                    for await event in events where event == .recovered {
                        trigger.triggerGracefulShutdown()
                    }
                    try await group.waitForAll()
                }
            }
            #expect(opened.withLock { $0 } == 1)
            // Start-up rebuilt the job's status file from that engine.
            let file =
                try JSONSerialization.jsonObject(
                    with: try #require(FileManager.default.contents(atPath: paths.jobStatus(id)))) as? [String: Any]
            #expect(file?["status"] as? String == "Pending")
            #expect(FileManager.default.fileExists(atPath: paths.cleanShutdownMarker))
        }
    }
}
