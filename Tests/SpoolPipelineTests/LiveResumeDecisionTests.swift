import Foundation
import Logging
import SpoolCore
import Testing

@testable import SpoolPipeline

/// The runner's decision at the start of a live attempt: convert the recording a shutdown kept, or
/// record. Fake tools (shell scripts) note each call, so the test sees which path was taken.
@Suite("Live resume decision", .serialized, .timeLimit(.minutes(1)))
struct LiveResumeDecisionTests {
    /// Fake yt-dlp (notes its call, fails), ffprobe (notes its call; fails, or sleeps when `slowProbe`).
    private func runner(_ dir: String, slowProbe: Bool = false) throws -> JobRunner {
        try writeText(dir + "/yt-dlp", "#!/bin/sh\necho \"$@\" >> \(dir)/yt-dlp.calls\nexit 1\n")
        let probe = slowProbe ? "exec sleep 30" : "exit 1"
        try writeText(dir + "/ffprobe", "#!/bin/sh\necho \"$@\" >> \(dir)/ffprobe.calls\n\(probe)\n")
        for tool in ["yt-dlp", "ffprobe"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/" + tool)
        }
        var runner = JobRunner(
            tools: ToolPaths(
                ytDlp: dir + "/yt-dlp", ffmpeg: "/bin/false", ffprobe: dir + "/ffprobe", socketTimeout: 5,
                subtitleLanguages: nil),
            publisher: OutputPublisher(outRoot: dir + "/out", conflict: .suffix, staging: dir + "/staging"),
            encodeGate: AsyncGate(limit: 1), logger: Logger(label: "test"))
        runner.refusePrivateNetwork = false
        runner.live.shutdownFinishBudget = .milliseconds(200)
        return runner
    }

    private func spec(_ dir: String) -> JobSpec {
        JobSpec(
            id: "job1", url: "https://live.example/stream.m3u8", filename: "rec", folder: nil,
            options: JobOptions(liveRecording: true), workDirectory: dir + "/work/job1")
    }

    private func keepRecording(_ work: String) throws {
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try writeText(work + "/media.mp4", "raw recording")
        try LiveResumeMarker(
            media: "media.mp4", recordedSeconds: 30, stoppedByShutdown: true, streamEnded: false, notes: []
        ).write(workDirectory: work)
    }

    @Test("a kept recording is converted: the recorder never starts, the kept file is probed")
    func convertsKept() async throws {
        try await withTempDirectory { dir in
            let runner = try runner(dir)
            let spec = spec(dir)
            try keepRecording(spec.workDirectory)
            let outcome = await runner.run(spec, stop: StopRequest()) { _ in }
            guard case .failed(let failure) = outcome else {
                Issue.record("expected the fake probe's failure, got \(outcome)")
                return
            }
            #expect(failure.message == "The kept live recording is not readable media.")
            #expect(readText(dir + "/yt-dlp.calls") == nil, "the recorder ran")
            #expect(readText(dir + "/ffprobe.calls")?.contains(spec.workDirectory + "/media.mp4") == true)
            // The attempt ended by itself: its scratch space (marker included) is gone.
            #expect(!FileManager.default.fileExists(atPath: spec.workDirectory))
        }
    }

    @Test("without a usable marker the job records (the live probe runs) and leftovers are cleared")
    func recordsWithoutMarker() async throws {
        try await withTempDirectory { dir in
            let runner = try runner(dir)
            let spec = spec(dir)
            try FileManager.default.createDirectory(atPath: spec.workDirectory, withIntermediateDirectories: true)
            try writeText(spec.workDirectory + "/media.mp4", "left from a crash")
            _ = await runner.run(spec, stop: StopRequest()) { _ in }
            #expect(readText(dir + "/yt-dlp.calls")?.contains("https://live.example/stream.m3u8") == true)
            #expect(readText(dir + "/ffprobe.calls") == nil)
            #expect(!FileManager.default.fileExists(atPath: spec.workDirectory))
        }
    }

    @Test("a shutdown while the kept recording converts stops it within the budget and keeps it; a cancel discards it")
    func shutdownKeepsCancelDiscards() async throws {
        for kind in [StopRequest.Kind.shutdown, .cancel] {
            try await withTempDirectory { dir in
                let runner = try runner(dir, slowProbe: true)
                let spec = spec(dir)
                try keepRecording(spec.workDirectory)
                let stop = StopRequest()
                let attempt = Task { await runner.run(spec, stop: stop) { _ in } }
                #expect(await eventually { readText(dir + "/ffprobe.calls") != nil })
                if kind == .cancel { stop.mark(.cancel) }
                let stopped = ContinuousClock.now
                attempt.cancel()
                let outcome = await attempt.value
                #expect(ContinuousClock.now - stopped < .seconds(5), "\(kind): the stop took too long")
                guard case .cancelled = outcome else {
                    Issue.record("\(kind): expected .cancelled, got \(outcome)")
                    return
                }
                let kept = LiveResumeMarker.read(workDirectory: spec.workDirectory)
                if kind == .shutdown {
                    #expect(kept?.media == "media.mp4", "the kept recording is gone after a shutdown")
                } else {
                    #expect(!FileManager.default.fileExists(atPath: spec.workDirectory), "a cancel kept the recording")
                }
            }
        }
    }
}
