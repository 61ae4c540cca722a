import Foundation
import Testing

@testable import SpoolPipeline

/// The watchdog in a running session (`LiveSession.record`), with a fake recorder (a shell script): one that
/// starts slowly is not stopped by the reconnect grace; one that never sends media is stopped after the
/// first-media allowance, with an error that says so.
@Suite("Live session watchdog", .serialized, .timeLimit(.minutes(1)))
struct LiveSessionWatchdogTests {
    private func recorder(_ dir: String, _ body: String) throws -> String {
        let path = dir + "/yt-dlp"
        try writeText(path, "#!/bin/sh\n\(body)\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    @Test("a recorder whose first media comes after the reconnect grace records on (not taken as stalled)")
    func slowStart() async throws {
        try await withTempDirectory { dir in
            // First media after 2.5 s, then a line every 0.2 s; the grace is 1 s and the watchdog looks every
            // 0.5 s, so only the wait for the first media can exceed the grace.
            let tool = try recorder(
                dir,
                "sleep 2.5\nfor i in 1 2 3 4 5; do echo \"frame=25 time=00:00:0$i.00 bitrate=1k\" >&2; sleep 0.2; done\n"
                    + "printf media > media.mp4")
            let session = LiveSession(
                settings: LiveSettings(reconnectGrace: .seconds(1), firstMediaGrace: .seconds(20)),
                maxDuration: nil)
            let run = try await session.record(tool: tool, arguments: [], work: WorkDirectory(dir)) { _ in }
            #expect(run.exitCode == 0, "\(run)")
            #expect(run.signal == nil, "\(run)")
            #expect(session.recordedSoFar == 5)
            #expect(!session.notes.contains { $0.contains("no new media") }, "\(session.notes)")
        }
    }

    @Test("a recorder that never sends media is stopped after the first-media allowance, with a plain error")
    func noMedia() async throws {
        try await withTempDirectory { dir in
            let tool = try recorder(dir, "exec sleep 30")
            let session = LiveSession(
                settings: LiveSettings(reconnectGrace: .milliseconds(200), firstMediaGrace: .seconds(1)),
                maxDuration: nil)
            let began = ContinuousClock.now
            let run = try await session.record(tool: tool, arguments: [], work: WorkDirectory(dir)) { _ in }
            #expect(ContinuousClock.now - began >= .seconds(1))
            #expect(run.exitCode == 1, "\(run)")
            #expect(run.stderrTail == ["ERROR: the live stream sent no media within 1 s of the recording's start"])
        }
    }
}
