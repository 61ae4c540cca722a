// The table-driven format × codec test: every batch goes into ONE running service root at once
// (options are batch-wide, so each combination is its own batch), then every output is checked
// with ffprobe: the container and the stream codecs are the ones asked for.
//
// By default the table covers every valid (format, video_codec) and every valid (format,
// audio_codec) pair, combined diagonally (~30 jobs); SPOOL_E2E_FULL_MATRIX=1 runs the whole
// cross product (53 combinations from the H.264/AAC source).

import Foundation
import Testing

struct MatrixCase: CustomStringConvertible, Sendable {
    var format: String
    var video: String  // "-" for audio formats
    var audio: String
    var source: String  // Media.short (h264/aac) or Media.shortWebM (vp9/opus)

    var isAudioFormat: Bool { ["m4a", "mp3", "ogg", "opus"].contains(format) }
    var sourceVideo: String { source == Media.shortWebM ? "vp9" : "h264" }
    var sourceAudio: String { source == Media.shortWebM ? "opus" : "aac" }
    var name: String {
        "m-\(format)-\(video)-\(audio)-\(source == Media.shortWebM ? "webm" : "mp4")"
    }
    var description: String { "\(format) v=\(video) a=\(audio) from \(source)" }

    static let videoHolds: [String: Set<String>] = [
        "mp4": ["h264", "hevc", "vp9"], "mkv": ["h264", "hevc", "vp9"], "mov": ["h264", "hevc"], "webm": ["vp9"],
    ]
    static let audioHolds: [String: Set<String>] = [
        "mp4": ["aac", "opus", "mp3"], "mkv": ["aac", "opus", "mp3"], "mov": ["aac", "mp3"], "webm": ["opus"],
        "m4a": ["aac"], "mp3": ["mp3"], "ogg": ["opus"], "opus": ["opus"],
    ]

    /// ffprobe's name for what the output's video must be (nil: no video stream).
    var expectedVideo: String? {
        if isAudioFormat { return nil }
        if video != "copy" { return video == "h265" ? "hevc" : video }
        return Self.videoHolds[format, default: []].contains(sourceVideo)
            ? sourceVideo : (format == "webm" ? "vp9" : "h264")
    }

    var expectedAudio: String {
        if audio != "copy" { return audio }
        if Self.audioHolds[format, default: []].contains(sourceAudio) { return sourceAudio }
        switch format {
        case "webm", "ogg", "opus": return "opus"
        case "mp3": return "mp3"
        default: return "aac"
        }
    }

    /// A `copy` that had to become an encode (the status must say why).
    var expectsTranscodeReason: Bool {
        let videoFallback = !isAudioFormat && video == "copy" && expectedVideo != sourceVideo
        let audioFallback = audio == "copy" && expectedAudio != sourceAudio
        return videoFallback || audioFallback
    }

    var expectedContainer: String { format == "opus" ? "ogg" : format }

    var options: [(String, String)] {
        var o: [(String, String)] = [("format", "\"\(format)\"")]
        if isAudioFormat { o.append(("audio_only", "true")) } else { o.append(("video_codec", "\"\(video)\"")) }
        o.append(("audio_codec", "\"\(audio)\""))
        if video != "copy" && !isAudioFormat { o.append(("video_quality", "30")) }
        if audio == "mp3" { o.append(("audio_bitrate", "\"128k\"")) }
        return o
    }

    // Valid codecs per format (folder-contract §3 contradictions and what ffmpeg 5.1 writes).
    static let videoCodecs: [String: [String]] = [
        "mp4": ["copy", "h264", "h265", "vp9"], "mkv": ["copy", "h264", "h265", "vp9"],
        "mov": ["copy", "h264", "h265"], "webm": ["copy", "vp9"],
    ]
    static let audioCodecs: [String: [String]] = [
        "mp4": ["copy", "aac", "opus", "mp3"], "mkv": ["copy", "aac", "opus", "mp3"], "mov": ["copy", "aac", "mp3"],
        "webm": ["copy", "opus"], "m4a": ["copy", "aac"], "mp3": ["copy", "mp3"], "ogg": ["copy", "opus"],
        "opus": ["copy", "opus"],
    ]

    static func table(full: Bool) -> [MatrixCase] {
        var cases: [MatrixCase] = []
        for (shift, format) in ["mp4", "mkv", "mov", "webm"].enumerated() {
            // `default: []`, not `!`: a table without the format must fail the test (the checks of every pair
            // below), not crash the runner.
            let v = videoCodecs[format, default: []]
            let a = audioCodecs[format, default: []]
            if full {
                for vc in v {
                    for ac in a { cases.append(MatrixCase(format: format, video: vc, audio: ac, source: Media.short)) }
                }
            } else {
                // Diagonal pairing, shifted per format: every (format, codec) pair of each kind appears.
                for i in 0..<max(v.count, a.count) where !v.isEmpty && !a.isEmpty {
                    cases.append(
                        MatrixCase(
                            format: format, video: v[i % v.count], audio: a[(i + shift) % a.count], source: Media.short)
                    )
                }
            }
        }
        for format in ["m4a", "mp3", "ogg", "opus"] {
            for ac in audioCodecs[format, default: []] {
                cases.append(MatrixCase(format: format, video: "-", audio: ac, source: Media.short))
            }
        }
        // copy from a VP9/Opus source: kept where the container holds it, else the natural codecs.
        for format in ["mp4", "mkv", "mov", "webm"] {
            cases.append(MatrixCase(format: format, video: "copy", audio: "copy", source: Media.shortWebM))
        }
        for format in ["m4a", "ogg"] {
            cases.append(MatrixCase(format: format, video: "-", audio: "copy", source: Media.shortWebM))
        }
        // Unique by name (the diagonal may repeat a pair).
        var seen: Set<String> = []
        return cases.filter { seen.insert($0.name).inserted }
    }
}

let matrixConfig = """
    {
      "rescan_interval_s": 0.5,
      "incomplete_grace_s": 2,
      "retries": 0,
      "downloads": 4,
      "allow_private_network": true
    }
    """

// 8 minutes: the full matrix (CI) takes about 2 minutes on an idle machine, several on two busy cores.
@Suite("End to end: every format × codec combination", .serialized, .timeLimit(.minutes(8)))
struct FormatMatrixEndToEndTests {
    @Test("each valid format × codec batch, all in one root: container and stream codecs as asked")
    func formatCodecMatrix() async throws {
        let lab = try await sharedLab()
        let full = RunPolicy.fullMatrix  // CI sets SPOOL_E2E_FULL_MATRIX=1
        let table = MatrixCase.table(full: full)
        if full { #expect(table.count == 53 + 6, "the full matrix: 53 combinations, 6 more from the VP9/Opus source") }
        // Every valid pair appears at least once.
        for (format, codecs) in MatrixCase.videoCodecs {
            for c in codecs {
                #expect(table.contains { $0.format == format && $0.video == c }, "\(format)/\(c) missing")
            }
        }
        for (format, codecs) in MatrixCase.audioCodecs {
            for c in codecs {
                #expect(table.contains { $0.format == format && $0.audio == c }, "\(format)/\(c) missing")
            }
        }

        let spool = try SpoolRoot("matrix", config: matrixConfig)
        try spool.start()
        let receipts = try await spool.dropAll(
            table.map { c in
                (c.name, batchJSON(folder: "matrix", options: c.options, jobs: [(lab.url(c.source), c.name)]))
            })
        for c in table {
            let r = try #require(receipts[c.name])
            _ = try await spool.finishedBatch(r.batchID, timeout: 240)
        }

        var failures: [String] = []
        for c in table {
            let id = try #require(receipts[c.name]).jobIDs[0]
            guard let job = spool.job(id), job["status"] as? String == "Completed" else {
                failures.append("\(c): \(spool.job(id) ?? [:])")
                continue
            }
            let path = try #require(job["output_path"] as? String)
            #expect(path == "out/matrix/\(c.name).\(c.format)", "\(c)")
            let file = spool.url(path)
            let probe = try ffprobe(file)
            #expect(
                containerKind(file, probe) == c.expectedContainer,
                "\(c): container \(probe.formatName) \(probe.majorBrand ?? "")")
            #expect(probe.codec("video") == c.expectedVideo, "\(c): video \(probe.streams)")
            #expect(probe.codec("audio") == c.expectedAudio, "\(c): audio \(probe.streams)")
            #expect(probe.streamCount("audio") == 1, "\(c)")
            #expect(probe.streamCount("video") == (c.isAudioFormat ? 0 : 1), "\(c)")
            #expect(job["output_video_codec"] as? String == c.expectedVideo, "\(c): \(job)")
            #expect(job["output_audio_codec"] as? String == c.expectedAudio, "\(c): \(job)")
            #expect(job["native_video_codec"] != nil && job["native_audio_codec"] != nil, "\(c)")
            #expect(
                probe.duration.map { abs($0 - Media.shortDuration) < 0.3 } == true,
                "\(c): duration \(String(describing: probe.duration))")
            #expect(
                (job["transcode_reason"] != nil) == c.expectsTranscodeReason,
                "\(c): transcode_reason \(job["transcode_reason"] ?? "absent")")
            #expect(job["format"] as? String == c.format)
            #expect(job["actual_quality"] as? String == (c.isAudioFormat ? "audio" : "360p"), "\(c)")
            if c.audio == "mp3" {
                // audio_bitrate is applied when the audio is encoded (LAME writes exactly 128000).
                let rate = probe.audioBitRate ?? 0
                #expect(abs(rate - 128_000) <= 2_000, "\(c): audio bit rate \(rate)")
            }
            if c.video == "h264" || c.video == "h265" || c.video == "vp9" {
                #expect(jsonInt(job["video_quality"]) == 30)
            }
        }
        #expect(
            failures.isEmpty, "not Completed:\n\(failures.joined(separator: "\n"))\n\(spool.diagnostics(lines: 20))")
        #expect(listFilesRecursively(spool.dir("out")).count == table.count - failures.count)
        try await spool.stop()
    }
}
