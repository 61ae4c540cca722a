// More test media for the option, clip, subtitle and error suites (made with ffmpeg next to
// Lab's clips, cached with them): 360p sources of 2–6 s, a VP9/Opus webm, a portrait clip, an HLS
// master with 360p/720p/1080p variants, WebVTT + SRT subtitles, a JPEG poster and an HTML5 page.

import Foundation

enum Media {
    /// 2 s, 640x360 H.264/AAC: the format × codec matrix's source.
    static let short = "short.mp4"
    /// 2 s, 640x360 VP9/Opus.
    static let shortWebM = "short.webm"
    /// 6 s, 640x360 H.264/AAC, 1-s GOP: clips (2–5 s needs more than 5 s of media) and progress.
    static let long = "long.mp4"
    static let longDuration = 6.0
    /// 2 s, 360x640 (portrait) H.264/AAC.
    static let portrait = "portrait.mp4"
    static let shortDuration = 2.0
    /// HLS VOD, 4 s, three muxed variants.
    static let hlsMaster = "hls/master.m3u8"
    static let hlsDuration = 4.0
    /// `<video poster>` with mp4 + webm `<source>`s and en (WebVTT) + de (SRT) `<track>`s.
    static let page = "page.html"
    static let pageTitle = "OG Lab Title"
    static let pageDescription = "A page made by the spool test suite."

    /// Files whose presence means the media set is complete.
    static let requiredFiles = [
        short, shortWebM, long, portrait, "poster.jpg", "subs.en.vtt", "subs.de.srt", page,
        hlsMaster, "hls/v360p/index.m3u8", "hls/v720p/index.m3u8", "hls/v1080p/index.m3u8",
    ]

    static let base = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"]

    static func h264Clip(size: String, seconds: Double, frequency: Int, to path: String) -> [String] {
        base + [
            "-f", "lavfi", "-i", "testsrc2=size=\(size):rate=25:duration=\(seconds)",
            "-f", "lavfi", "-i", "sine=frequency=\(frequency):sample_rate=48000:duration=\(seconds)",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "32", "-g", "25", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-shortest", "-movflags", "+faststart", path,
        ]
    }

    /// ffmpeg argument lists, independent of each other (run in parallel).
    static func commands(in dir: URL) -> [[String]] {
        func p(_ name: String) -> String { dir.appendingPathComponent(name).path }
        return [
            h264Clip(size: "640x360", seconds: shortDuration, frequency: 440, to: p(short)),
            h264Clip(size: "640x360", seconds: longDuration, frequency: 500, to: p(long)),
            h264Clip(size: "360x640", seconds: shortDuration, frequency: 550, to: p(portrait)),
            base + [
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=\(shortDuration)",
                "-f", "lavfi", "-i", "sine=frequency=660:sample_rate=48000:duration=\(shortDuration)",
                "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-g", "25",
                "-c:a", "libopus", "-b:a", "48k", "-ac", "2", "-shortest", p(shortWebM),
            ],
            base + [
                "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=1", "-frames:v", "1", "-q:v", "5", p("poster.jpg"),
            ],
            base + [
                "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25:duration=\(hlsDuration)",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(hlsDuration)",
                "-filter_complex", "[0:v]split=3[a][b][c];[a]scale=640:360[v0];[b]scale=1280:720[v1];[c]copy[v2]",
                "-map", "[v0]", "-map", "1:a", "-map", "[v1]", "-map", "1:a", "-map", "[v2]", "-map", "1:a",
                "-c:v", "libx264", "-preset", "ultrafast", "-crf", "32", "-g", "25", "-keyint_min", "25",
                "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-b:v:0", "400k", "-b:v:1", "1200k", "-b:v:2", "2500k",
                "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
                "-hls_segment_filename", p("hls/v%v/seg%03d.ts"), "-master_pl_name", "master.m3u8",
                "-var_stream_map", "v:0,a:0,name:360p v:1,a:1,name:720p v:2,a:2,name:1080p", p("hls/v%v/index.m3u8"),
            ],
        ]
    }

    static let vtt = """
        WEBVTT

        00:00:00.000 --> 00:00:01.000
        Hello from the lab

        00:00:01.000 --> 00:00:02.000
        Second cue

        """

    static let srt = """
        1
        00:00:00,000 --> 00:00:01,000
        Hallo aus dem Labor

        2
        00:00:01,000 --> 00:00:02,000
        Zweiter Hinweis

        """

    static let html = """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>Lab Page Title</title>
        <meta property="og:title" content="\(pageTitle)">
        <meta property="og:description" content="\(pageDescription)">
        </head><body>
        <video controls poster="poster.jpg">
        <source src="short.mp4" type="video/mp4">
        <source src="short.webm" type="video/webm">
        <track kind="subtitles" src="subs.en.vtt" srclang="en" label="English">
        <track kind="subtitles" src="subs.de.srt" srclang="de" label="Deutsch">
        </video></body></html>

        """

    /// Makes every file of the set in `dir` (Lab's staging directory).
    static func generate(in dir: URL, ffmpeg: URL) throws {
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("hls"), withIntermediateDirectories: true)
        try Data(vtt.utf8).write(to: dir.appendingPathComponent("subs.en.vtt"))
        try Data(srt.utf8).write(to: dir.appendingPathComponent("subs.de.srt"))
        try Data(html.utf8).write(to: dir.appendingPathComponent(page))
        let commands = commands(in: dir)
        let failures = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: commands.count) { i in
            do {
                let result = try runCommand(ffmpeg, commands[i], timeout: 180)
                if result.status != 0 { failures.add("ffmpeg \(commands[i].suffix(1)): \(result.stderr)") }
            } catch {
                failures.add("\(error)")
            }
        }
        if let first = failures.first { throw E2EError("making test media failed: \(first)") }
    }
}

/// Collects errors from concurrent work.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [String] = []
    func add(_ e: String) {
        lock.lock()
        errors.append(e)
        lock.unlock()
    }
    var first: String? {
        lock.lock()
        defer { lock.unlock() }
        return errors.first
    }
}
