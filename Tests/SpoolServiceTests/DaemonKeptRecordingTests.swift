import Foundation
import ServiceLifecycle
import ServiceLifecycleTestKit
import SpoolCore
import SpoolPipeline
import SpoolStore
import Testing

@testable import SpoolService

/// Start-up recovery and a live recording kept at shutdown (folder-contract §8): the work directory of a
/// job still to run that holds a usable `recorded.json` survives; every other one is cleared as before.
@Suite("Daemon: kept live recordings", .serialized, .timeLimit(.minutes(1)))
struct DaemonKeptRecordingTests {
    private func keep(_ dir: String, media: String = "media.mp4", write: Bool = true) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if write { try Data("raw recording".utf8).write(to: URL(fileURLWithPath: dir + "/" + media)) }
        try LiveResumeMarker(
            media: media, recordedSeconds: 30, stoppedByShutdown: true, streamEnded: false, notes: []
        ).write(workDirectory: dir)
    }

    @Test("start-up keeps a Pending job's kept recording; a directory without a usable marker, or of no job, goes")
    func recoveryKeepsMarked() async throws {
        try await withTempDirectory { root in
            let paths = SpoolPaths(root: root, configuration: .defaults)
            try paths.createLayout()
            var configuration = SpoolConfiguration.defaults
            configuration.downloads = 0  // nothing runs: the test looks at what recovery left
            let ids: [String]
            do { ids = try ServiceHarness(root: root).addBatch(count: 3) }
            try keep(paths.workDirectory(ids[0]))
            try keep(paths.workDirectory(ids[1]), write: false)  // its recording is gone
            try FileManager.default.createDirectory(
                atPath: paths.workDirectory(ids[2]), withIntermediateDirectories: true)  // a plain leftover
            try keep(paths.workDirectory("no-such-job"))

            let (events, sink) = AsyncStream<SpoolDaemon.Event>.makeStream()
            let daemon = DaemonShutdownTests.daemon(paths: paths, configuration: configuration, sink: sink)
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { sink.finish() }
                        try await daemon.run()
                    }
                    for await event in events where event.startedName == "ingest" {
                        trigger.triggerGracefulShutdown()
                    }
                    try await group.waitForAll()
                }
            }
            let left = try FileManager.default.contentsOfDirectory(atPath: paths.work).filter { $0 != ".staging" }
            #expect(left == [ids[0]])
            #expect(LiveResumeMarker.read(workDirectory: paths.workDirectory(ids[0]))?.media == "media.mp4")
        }
    }

    @Test("cancelling a Pending job deletes the recording kept for it")
    func cancelDeletesKept() async throws {
        try await withTempDirectory { root in
            let harness = try ServiceHarness(root: root)
            let id = try harness.addBatch(count: 1)[0]
            try keep(harness.paths.workDirectory(id))
            #expect(await harness.scheduler.cancel(jobID: id) == .cancelled)
            #expect(!FileManager.default.fileExists(atPath: harness.paths.workDirectory(id)))
        }
    }
}
