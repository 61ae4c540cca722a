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
            // First media after 1.5 s; the grace is 0.3 s and the watchdog looks every 0.5 s.
            let tool = try recorder(
                dir, "sleep 1.5\necho 'frame=25 time=00:00:01.00 bitrate=1k' >&2\nprintf media > media.mp4")
            let session = LiveSession(
                settings: LiveSettings(reconnectGrace: .milliseconds(300), firstMediaGrace: .seconds(20)),
                maxDuration: nil)
            let run = try await session.record(tool: tool, arguments: [], work: WorkDirectory(dir)) { _ in }
            #expect(run.exitCode == 0, "\(run)")
            #expect(run.signal == nil, "\(run)")
            #expect(session.recordedSoFar == 1)
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
