import Foundation
import Logging
import SpoolCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Proves a candidate yt-dlp works before the entry points at it: it reports the expected
/// version, and it downloads a clip made by ffmpeg and served on 127.0.0.1, which ffprobe reads
/// as a video of the right length. tool-behaviour §4.
package struct YtDlpSelfTest: Sendable {
    package var ffmpeg: String
    package var ffprobe: String
    /// Serves the clip (`python3 -m http.server`, standard library only).
    package var python: String
    package var runner: ToolRunner
    package var logger: Logger

    package init(ffmpeg: String, ffprobe: String, python: String, runner: ToolRunner = ToolRunner(), logger: Logger) {
        self.ffmpeg = ffmpeg
        self.ffprobe = ffprobe
        self.python = python
        self.runner = runner
        self.logger = logger
    }

    /// Runs the self-test in `scratch` (created, then removed); throws `ToolsError` saying which step failed.
    package func run(_ program: String, expecting version: YtDlpVersion, scratch: String) async throws {
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        do {
            try await steps(program, expecting: version, scratch: scratch)
        } catch let error as ToolsError {
            throw error
        } catch {
            // A tool that cannot start (a wrong ffmpeg_path) throws the runner's error: say which step.
            throw ToolsError("self-test: \(error)")
        }
    }

    private func steps(_ program: String, expecting version: YtDlpVersion, scratch: String) async throws {
        try FileManager.default.createDirectory(atPath: scratch + "/media", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch + "/out", withIntermediateDirectories: true)

        let reported = await YtDlpInstaller.reportedVersion(of: program, runner: runner)
        guard let reported, YtDlpVersion(reported) == version else {
            throw ToolsError("self-test: \(program) --version says \(reported ?? "nothing"), expected \(version)")
        }
        try await makeClip(scratch + "/media/selftest.mp4")
        let downloaded = try await serve(scratch + "/media") { base in
            try await download(program, url: base + "/selftest.mp4", into: scratch + "/out")
        }
        let info = try await MediaProber(ffprobe: ffprobe, runner: runner).probe(downloaded)
        guard let info, info.streams.contains(where: { $0.type == "video" }),
            let duration = info.duration, abs(duration - Self.clipSeconds) < 0.5
        else {
            throw ToolsError(
                "self-test: ffprobe does not see the \(Int(Self.clipSeconds)) s test video in what \(program) "
                    + "downloaded (\(downloaded))")
        }
        logger.info("yt-dlp self-test passed", metadata: ["program": "\(program)", "version": "\(version)"])
    }

    static let clipSeconds = 2.0

    private func makeClip(_ path: String) async throws {
        let seconds = "\(Int(Self.clipSeconds))"
        let result = try await runner.run(
            ffmpeg,
            arguments: [
                "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=" + seconds,
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + seconds,
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                "-movflags", "+faststart", path,
            ])
        guard result.succeeded else {
            throw ToolsError(
                "self-test: \(ffmpeg) could not make the test clip (exit \(result.shellStatus)): "
                    + result.stderrTail.suffix(2).joined(separator: " / "))
        }
    }

    /// Runs `body` with the base URL of an HTTP server on 127.0.0.1 serving `directory`, then stops it.
    private func serve<T: Sendable>(_ directory: String, _ body: (String) async throws -> T) async throws -> T {
        let port = Mutex<Int?>(nil)
        let (value, _) = try await runner.withTool(
            python, arguments: ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory],
            onLine: { line in
                // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
                guard let range = line.range(of: #"port [0-9]+"#, options: .regularExpression) else { return }
                port.withLock { $0 = $0 ?? Int(line[range].dropFirst(5)) }
            }
        ) { server in
            defer { server.stop([ToolStopStep(SIGTERM, then: .seconds(5))]) }
            let deadline = ContinuousClock.now + .seconds(20)
            while port.withLock({ $0 }) == nil {
                guard ContinuousClock.now < deadline, !(await server.waitForExit(timeout: .milliseconds(50))) else {
                    throw ToolsError("self-test: \(python) -m http.server did not start on 127.0.0.1")
                }
            }
            return try await body("http://127.0.0.1:\(port.withLock { $0 }!)")
        }
        return value
    }

    /// Downloads `url` with the candidate; the downloaded file's path.
    private func download(_ program: String, url: String, into directory: String) async throws -> String {
        let result = try await runner.run(
            program,
            arguments: [
                "--ignore-config", "--no-cache-dir", "--no-playlist", "--no-progress", "--quiet", "--no-warnings",
                "-o", directory + "/selftest.%(ext)s", "--", url,
            ])
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        guard result.succeeded, let file = files.first(where: { $0.hasPrefix("selftest.") && !$0.hasSuffix(".part") })
        else {
            throw ToolsError(
                "self-test: \(program) could not download \(url) (exit \(result.shellStatus)): "
                    + result.stderrTail.suffix(3).joined(separator: " / "))
        }
        return directory + "/" + file
    }
}
