// A live HLS stream for the live-recording tests: ffmpeg reads lavfi sources in real time (`-re`)
// and writes a sliding-window playlist into a directory the shared labserver serves
// (tool-behaviour §1). Each stream has its own directory (so its URL 404s until it starts), a
// hard runtime cap so that it dies by itself, and is stopped (SIGINT) and removed by `stop()`.
// `outageURL` serves the same stream through labserver's `/outage/<tag>/` route, which answers
// 503 (playlist and segments) between `beginOutage()` and `endOutage()`.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

final class LiveStream {
    let directory: URL
    let url: String
    let tag: String
    /// The same stream, answering 503 while an outage is on.
    let outageURL: String
    private let outageMarker: URL
    private var process: ChildProcess?
    private let log: URL

    /// A stream under the lab's media directory; its URL answers 404 until `start`.
    init(lab: Lab, name: String) throws {
        tag = "live-\(name)-\(UUID().uuidString.prefix(8).lowercased())"
        directory = lab.mediaDir.appendingPathComponent(tag)
        url = lab.url("\(tag)/live.m3u8")
        outageURL = lab.url("outage/\(tag)/\(tag)/live.m3u8")
        outageMarker = lab.mediaDir.appendingPathComponent(".outage").appendingPathComponent(tag)
        log = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("\(tag).log")
    }

    /// From now on `outageURL` (its playlist and segments) answers 503; the generator goes on.
    func beginOutage() throws {
        try FileManager.default.createDirectory(
            at: outageMarker.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: outageMarker.path, contents: nil) else {
            throw E2EError("could not create the outage marker \(outageMarker.path)")
        }
    }

    /// `outageURL` serves the stream again.
    func endOutage() { try? FileManager.default.removeItem(at: outageMarker) }

    deinit { stop() }

    var playlist: URL { directory.appendingPathComponent("live.m3u8") }
    var isRunning: Bool { process?.isRunning ?? false }

    /// Starts the generator (320x180 at 25 fps, 1-s segments, 6 in the window).
    /// - Parameters:
    ///   - runtime: seconds of media the generator makes before it stops by itself.
    ///   - endList: write `#EXT-X-ENDLIST` when it stops (a stream that ends by itself); without it
    ///     the stream just stops, like a live source that went away.
    ///   - window: segments the playlist lists (a real stream's window is often longer than 6 s).
    ///   - keepSegments: leave every segment on disk (the playlist still slides), so a test can
    ///     compare a recording with everything the stream sent (`allSegments`).
    func start(runtime: Int = 90, endList: Bool = false, window: Int = 6, keepSegments: Bool = false) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let flags =
            (keepSegments ? "" : "delete_segments+") + "independent_segments" + (endList ? "" : "+omit_endlist")
        process = try ChildProcess(
            executable: try Paths.which("ffmpeg").path,
            arguments: [
                "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-re",
                "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-t", String(runtime),
                "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "25", "-keyint_min", "25",
                "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-b:v", "300k",
                "-c:a", "aac", "-b:a", "64k", "-ac", "2",
                "-f", "hls", "-hls_time", "1", "-hls_list_size", String(window), "-hls_flags", flags,
                "-hls_segment_filename", directory.appendingPathComponent("seg%05d.ts").path,
                playlist.path,
            ],
            environment: Paths.childEnvironment, cwd: directory.path, logPath: log.path)
    }

    /// The number of segments in the playlist now (0 while it does not exist).
    var segmentCount: Int {
        guard let text = try? String(contentsOf: playlist, encoding: .utf8) else { return 0 }
        return text.components(separatedBy: "#EXTINF").count - 1
    }

    var hasEndList: Bool {
        ((try? String(contentsOf: playlist, encoding: .utf8)) ?? "").contains("#EXT-X-ENDLIST")
    }

    /// Every segment the generator wrote, in order (all of them with `keepSegments`).
    var allSegments: [URL] {
        listDir(directory).filter { $0.hasPrefix("seg") && $0.hasSuffix(".ts") }.sorted()
            .map { directory.appendingPathComponent($0) }
    }

    /// Waits until the playlist lists at least `segments` segments.
    func waitUntilLive(segments: Int = 3, timeout: Double = 30) async throws {
        _ = try await waitFor("the live playlist \(tag) to list \(segments) segments", timeout: timeout) {
            if self.segmentCount >= segments { return true }
            if let p = self.process, !p.isRunning {
                let text = (try? String(contentsOf: self.log, encoding: .utf8)) ?? ""
                throw E2EError("the live generator exited early (status \(p.exitStatus ?? -1)): \(text)")
            }
            return nil
        }
    }

    /// Waits for the generator to stop by itself.
    func waitUntilStopped(timeout: Double) async throws {
        _ = try await waitFor("the live generator \(tag) to stop", timeout: timeout, interval: 0.2) {
            self.isRunning ? nil : true
        }
    }

    /// Stops the generator (SIGINT, then SIGKILL) and removes its directory.
    func stop() {
        if let p = process, p.isRunning {
            p.signal(SIGINT)
            let deadline = Date().addingTimeInterval(3)
            while p.isRunning && Date() < deadline { usleep(20_000) }
            if p.isRunning {
                p.signal(SIGKILL)
                p.waitBlocking()
            }
        }
        process = nil
        endOutage()
        try? FileManager.default.removeItem(at: directory)
        try? FileManager.default.removeItem(at: log)
    }
}
