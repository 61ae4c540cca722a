// Batch options end to end: source choice (max_resolution, quality_preset, portrait), clips,
// audio_only, the HTML5 page (title, description, subtitles, thumbnail) and live progress.
// Each test starts one service root and drops its batches at once.

import Foundation
import Testing

@Suite("End to end: batch options", .serialized, .timeLimit(.minutes(4)))
struct OptionsEndToEndTests {

    @Test(
        "max_resolution 720 → 720p, 480 (missing) → 360p; lowest → 360p, highest → 1080p; portrait judged by its shorter side"
    )
    func sourceChoice() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("resolution", config: matrixConfig)
        try spool.start()
        let hls = lab.url(Media.hlsMaster)
        let cases:
            [(
                name: String, options: [(String, String)], url: String, requested: String, quality: String,
                size: (Int, Int)
            )] = [
                ("res720", [("max_resolution", "\"720\"")], hls, "720", "720p", (1280, 720)),
                ("res480", [("max_resolution", "\"480\"")], hls, "480", "360p", (640, 360)),
                ("lowest", [("quality_preset", "\"lowest\"")], hls, "lowest", "360p", (640, 360)),
                ("highest", [("quality_preset", "\"highest\"")], hls, "highest", "1080p", (1920, 1080)),
                ("portrait360", [("max_resolution", "\"360\"")], lab.url(Media.portrait), "360", "360p", (360, 640)),
            ]
        let receipts = try await spool.dropAll(
            cases.map { c in (c.name, batchJSON(folder: "res", options: c.options, jobs: [(c.url, c.name)])) })
        for c in cases { _ = try await spool.finishedBatch(try #require(receipts[c.name]).batchID, timeout: 120) }

        for c in cases {
            let (job, file) = try spool.completedOutput(try #require(receipts[c.name]).jobIDs[0])
            let probe = try ffprobe(file)
            #expect(
                probe.width == c.size.0 && probe.height == c.size.1,
                "\(c.name): \(probe.width ?? 0)x\(probe.height ?? 0)")
            #expect(job["requested_quality"] as? String == c.requested, "\(c.name): \(job)")
            #expect(job["actual_quality"] as? String == c.quality, "\(c.name): \(job)")
            #expect(job["max_resolution"] as? String == (c.options[0].0 == "max_resolution" ? c.requested : "best"))
            // The right source was chosen, so nothing had to be scaled or re-encoded.
            #expect(job["transcode_reason"] == nil, "\(c.name): \(job["transcode_reason"] ?? "")")
            #expect(probe.codec("video") == "h264" && probe.codec("audio") == "aac", "\(c.name)")
            let expected = c.url == hls ? Media.hlsDuration : Media.shortDuration
            #expect(probe.duration.map { abs($0 - expected) < 0.5 } == true, "\(c.name): \(probe.duration ?? -1)")
        }
        try await spool.stop()
    }

    @Test(
        "clips: 00:00:02–00:00:05 → 3.0 s, \"1.5\"–\"4\" → 2.5 s, with audio_only, and past the end → to the end (±0.1 s)"
    )
    func clips() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("clips", config: matrixConfig)
        try spool.start()
        let source = lab.url(Media.long)
        let cases: [(name: String, options: [(String, String)], start: Double, expected: Double, audioOnly: Bool)] = [
            ("hms", [("clip_start", "\"00:00:02\""), ("clip_end", "\"00:00:05\"")], 2, 3.0, false),
            ("seconds", [("clip_start", "\"1.5\""), ("clip_end", "\"4\"")], 1.5, 2.5, false),
            (
                "audio",
                [("format", "\"m4a\""), ("audio_only", "true"), ("clip_start", "\"0:01\""), ("clip_end", "\"3.5\"")], 1,
                2.5, true
            ),
            ("pastEnd", [("clip_start", "\"4\""), ("clip_end", "\"00:00:30\"")], 4, Media.longDuration - 4, false),
        ]
        let sourceFile = lab.mediaDir.appendingPathComponent(Media.long)
        let receipts = try await spool.dropAll(
            cases.map { c in (c.name, batchJSON(folder: "clips", options: c.options, jobs: [(source, c.name)])) })
        for c in cases { _ = try await spool.finishedBatch(try #require(receipts[c.name]).batchID, timeout: 120) }

        for c in cases {
            let (job, file) = try spool.completedOutput(try #require(receipts[c.name]).jobIDs[0])
            let probe = try ffprobe(file)
            let duration = try #require(probe.duration, "\(c.name): no duration")
            #expect(abs(duration - c.expected) <= 0.1, "\(c.name): \(duration) s, expected \(c.expected) s")
            #expect(jsonDouble(job["duration_s"]).map { abs($0 - c.expected) <= 0.1 } == true, "\(c.name): \(job)")
            if c.audioOnly {
                #expect(probe.streamCount("video") == 0)
                #expect(probe.codec("audio") == "aac")
                #expect(job["actual_quality"] as? String == "audio")
            } else {
                #expect(probe.codec("video") == "h264")
                // Accurate cuts need an encode at the cut; the status says so.
                #expect((job["transcode_reason"] as? String)?.contains("clip") == true, "\(c.name): \(job)")
                // As many frames as the request (25 fps).
                let frames = try countFrames(file)
                #expect(abs(Double(frames) - c.expected * 25) <= 2, "\(c.name): \(frames) frames")
                // The first frame is the source's frame at clip_start (testsrc2 is a moving pattern): nearer to
                // it than to the source's frames 0.2 s (5 frames) either side.
                let first = try GreyFrame(file, at: 0)
                let atStart = first.difference(to: try GreyFrame(sourceFile, at: c.start))
                let before = first.difference(to: try GreyFrame(sourceFile, at: c.start - 0.2))
                let after = first.difference(to: try GreyFrame(sourceFile, at: c.start + 0.2))
                #expect(
                    atStart < before && atStart < after,
                    "\(c.name): first frame differs \(atStart) from the frame at \(c.start) s, \(before) from 0.2 s before, \(after) from 0.2 s after"
                )
            }
        }
        try await spool.stop()
    }

    @Test("audio_only m4a/mp3/ogg/opus: one audio stream of the expected codec; m4a is not re-encoded")
    func audioOnly() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("audio", config: matrixConfig)
        try spool.start()
        let cases: [(format: String, codec: String, container: String)] = [
            ("m4a", "aac", "m4a"), ("mp3", "mp3", "mp3"), ("ogg", "opus", "ogg"), ("opus", "opus", "ogg"),
        ]
        let receipts = try await spool.dropAll(
            cases.map { c in
                (
                    c.format,
                    batchJSON(
                        folder: "audio", options: [("format", "\"\(c.format)\""), ("audio_only", "true")],
                        jobs: [(lab.url(Media.short), "a-\(c.format)")])
                )
            })
        for c in cases { _ = try await spool.finishedBatch(try #require(receipts[c.format]).batchID, timeout: 120) }
        let sourceProbe = try ffprobe(lab.mediaDir.appendingPathComponent(Media.short))
        for c in cases {
            let (job, file) = try spool.completedOutput(try #require(receipts[c.format]).jobIDs[0])
            #expect(file.lastPathComponent == "a-\(c.format).\(c.format)")
            let probe = try ffprobe(file)
            #expect(probe.streams.count == 1, "\(c.format): \(probe.streams)")
            #expect(probe.codec("audio") == c.codec)
            #expect(containerKind(file, probe) == c.container, "\(c.format): \(probe.formatName)")
            #expect(job["output_audio_codec"] as? String == c.codec)
            #expect(job["actual_quality"] as? String == "audio")
            #expect(job["audio_only"] as? Bool == true)
            if c.format == "m4a" {
                // Copied: the source's AAC at its own bit rate (64k), no transcode.
                #expect(job["transcode_reason"] == nil, "m4a: \(job)")
                let rate = try #require(probe.audioStreamBitRate, "m4a: no bit rate")
                let sourceRate = try #require(sourceProbe.audioStreamBitRate, "source: no bit rate")
                #expect(abs(rate - sourceRate) < 8_000, "m4a bit rate \(rate) vs source \(sourceRate)")
                #expect(rate < 100_000, "not re-encoded at the 192k default: \(rate)")
            } else {
                #expect(job["transcode_reason"] != nil, "\(c.format): aac cannot be copied, so the status says why")
            }
            #expect(probe.duration.map { abs($0 - Media.shortDuration) < 0.3 } == true)
        }
        try await spool.stop()
    }

    @Test(
        "an HTML5 page: title and description in the status, name from the title, <name>.en.vtt, <name>.de.vtt (from SRT), <name>.jpg; copy into webm picks the webm source"
    )
    func htmlPage() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("page", config: matrixConfig)
        try spool.start()
        let page = lab.url(Media.page)
        let receipts = try await spool.dropAll([
            (
                "page",
                batchJSON(
                    folder: "pages", options: [("download_subtitles", "true"), ("download_thumbnail", "true")],
                    jobs: [(page, nil)])
            ),
            ("webm", batchJSON(folder: "pages-webm", options: [("format", "\"webm\"")], jobs: [(page, "as-webm")])),
            (
                "nosubs",
                batchJSON(
                    folder: "pages-none", options: [("download_subtitles", "true"), ("download_thumbnail", "true")],
                    jobs: [(lab.url(Media.short), nil)])
            ),
        ])
        for name in ["page", "webm", "nosubs"] {
            _ = try await spool.finishedBatch(try #require(receipts[name]).batchID, timeout: 120)
        }

        let (job, file) = try spool.completedOutput(try #require(receipts["page"]).jobIDs[0])
        let title = try #require(job["title"] as? String)
        #expect(title.hasPrefix(Media.pageTitle), "title \(title)")
        #expect(job["description"] as? String == Media.pageDescription)
        #expect(file.lastPathComponent == "\(title).mp4", "default name from the title: \(file.lastPathComponent)")
        let folder = spool.dir("out").appendingPathComponent("pages")
        #expect(listDir(folder) == ["\(title).de.vtt", "\(title).en.vtt", "\(title).jpg", "\(title).mp4"].sorted())
        #expect(job["subtitle_keys"] as? [String] == ["pages/\(title).de.vtt", "pages/\(title).en.vtt"])
        #expect(job["subtitle_key"] as? String == "pages/\(title).de.vtt")
        #expect(job["thumbnail_key"] as? String == "pages/\(title).jpg")
        #expect((job["subtitle_url"] as? String)?.hasPrefix("file://") == true)
        #expect((job["thumbnail_url"] as? String)?.hasPrefix("file://") == true)
        let en = try String(contentsOf: folder.appendingPathComponent("\(title).en.vtt"), encoding: .utf8)
        #expect(en.hasPrefix("WEBVTT") && en.contains("Hello from the lab"))
        let de = try String(contentsOf: folder.appendingPathComponent("\(title).de.vtt"), encoding: .utf8)
        #expect(de.hasPrefix("WEBVTT") && de.contains("Hallo aus dem Labor"), "SRT converted: \(de)")
        let jpg = try Data(contentsOf: folder.appendingPathComponent("\(title).jpg"))
        #expect(jpg.prefix(2) == Data([0xFF, 0xD8]), "the thumbnail is a JPEG")
        #expect(job["note"] == nil, "\(job)")
        #expect((job["release_date"] as? String)?.range(of: #"^\d{4}-\d{2}-\d{2}"#, options: .regularExpression) != nil)
        for key in [
            "download_speed_mbps", "download_duration_ms", "mux_duration_ms", "upload_duration_ms", "total_duration_ms",
            "queue_wait_ms", "file_size", "duration_s",
        ] {
            #expect(jsonDouble(job[key]).map { $0 >= 0 } == true, "\(key) in \(job)")
        }
        let totalMs = try #require(jsonInt(job["total_duration_ms"]), "\(job)")
        let downloadMs = try #require(jsonInt(job["download_duration_ms"]), "\(job)")
        #expect(totalMs >= downloadMs)

        // copy into webm: the page offers a VP9/Opus source, which is chosen and copied.
        let (webmJob, webmFile) = try spool.completedOutput(try #require(receipts["webm"]).jobIDs[0])
        let webmProbe = try ffprobe(webmFile)
        #expect(containerKind(webmFile, webmProbe) == "webm")
        #expect(webmProbe.codec("video") == "vp9" && webmProbe.codec("audio") == "opus")
        #expect(webmJob["transcode_reason"] == nil, "the webm source fits, nothing re-encoded: \(webmJob)")

        // A source without subtitles or thumbnail: Completed, with a note.
        let (noneJob, _) = try spool.completedOutput(try #require(receipts["nosubs"]).jobIDs[0])
        let note = try #require(noneJob["note"] as? String, "\(noneJob)")
        #expect(note.contains("subtitles"))
        #expect(noneJob["subtitle_keys"] as? [String] == [])
        #expect(noneJob["thumbnail_key"] is NSNull)
        try await spool.stop()
    }

    @Test(
        "progress: a throttled download shows at least two distinct progress.percent values before Completed; steps in order"
    )
    func progress() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("progress", config: matrixConfig)
        try spool.start()
        // long.mp4 is ~250 KB; at 80 kB/s the download takes about 3 s.
        let receipts = try await spool.dropAll([
            (
                "slow",
                batchJSON(
                    folder: "progress", options: [("video_codec", "\"h264\"")],
                    jobs: [(lab.url("slow/80000/\(Media.long)"), "slow")])
            )
        ])
        let r = try #require(receipts["slow"])
        let id = r.jobIDs[0]
        let watcher = StatusWatcher(spool.dir("jobs").appendingPathComponent("\(id).json"))
        _ = try await spool.finishedBatch(r.batchID, timeout: 90)
        let history = watcher.stop()
        var percents: [Double] = []
        var steps: [String] = []
        for doc in history {
            if let step = doc["step"] as? String, steps.last != step { steps.append(step) }
            if doc["status"] as? String == "Processing", let p = doc["progress"] as? [String: Any],
                let percent = jsonDouble(p["percent"])
            {
                #expect((0...100).contains(percent), "percent \(percent)")
                if percents.last != percent { percents.append(percent) }
            }
        }
        let final = spool.job(id)
        let job = try #require(final, "job did not finish\n\(spool.diagnostics())")
        #expect(job["status"] as? String == "Completed", "\(job)")
        #expect(Set(percents).count >= 2, "percent values seen: \(percents)")
        #expect(job["progress"] == nil, "no progress once finished")
        // Downloading → Muxing → (Uploading) → Finished, never backwards.
        let order = ["Queued", "Downloading", "Muxing", "Uploading", "Finished"]
        let indices = steps.compactMap { order.firstIndex(of: $0) }
        #expect(indices == indices.sorted(), "steps \(steps)")
        #expect(steps.contains("Downloading") && steps.last == "Finished", "steps \(steps)")
        try await spool.stop()
    }
}

/// Number of video frames in a file (ffprobe -count_packets).
func countFrames(_ file: URL) throws -> Int {
    let result = try runCommand(
        try Paths.which("ffprobe"),
        [
            "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries", "stream=nb_read_packets",
            "-of", "csv=p=0", file.path,
        ], timeout: 30)
    guard result.status == 0, let n = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw E2EError("ffprobe could not count frames of \(file.path): \(result.output)")
    }
    return n
}
