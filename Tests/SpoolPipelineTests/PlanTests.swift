import Foundation
import SpoolCore
import Testing

/// True when `needle` occurs in `haystack` as consecutive elements.
func containsRun(_ haystack: [String], _ needle: [String]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<$0 + needle.count]) == needle }
}

func source(
    video: (codec: String, w: Int, h: Int)? = ("h264", 1280, 720), audio: String? = "aac", duration: Double? = 60
) -> MediaInfo {
    var streams: [MediaInfo.Stream] = []
    if let video { streams.append(.init(type: "video", codec: video.codec, width: video.w, height: video.h)) }
    if let audio { streams.append(.init(type: "audio", codec: audio)) }
    return MediaInfo(formatName: "matroska,webm", duration: duration, streams: streams)
}

func plan(_ options: JobOptions, _ media: MediaInfo = source()) throws -> ConversionPlan {
    try ConversionPlan.make(options: options, source: media, input: "/w/media.mkv", output: "/w/out.tmp")
}

@Suite("ConversionPlan")
struct ConversionPlanTests {
    @Test("copy into mp4 from h264/aac copies both streams")
    func copyIntoMP4() throws {
        let p = try plan(JobOptions(format: "mp4"))
        #expect(containsRun(p.arguments, ["-c:v", "copy"]))
        #expect(containsRun(p.arguments, ["-c:a", "copy"]))
        #expect(!p.arguments.contains("libx264"))
        #expect(p.expectedVideoCodec == "h264")
        #expect(p.expectedAudioCodec == "aac")
        #expect(p.transcodeReason == nil)
        #expect(p.isClip == false)
        #expect(p.expectedDuration == 60)
        #expect(containsRun(p.arguments, ["-i", "/w/media.mkv"]))
        #expect(containsRun(p.arguments, ["-f", "mp4", "/w/out.tmp"]))
        #expect(p.arguments.last == "/w/out.tmp")
        #expect(!p.arguments.contains("-ss"))
        #expect(!p.arguments.contains("-vf"))
    }

    @Test("copy into webm from h264/aac encodes VP9 + Opus and says why")
    func copyIntoWebM() throws {
        let p = try plan(JobOptions(format: "webm"))
        #expect(containsRun(p.arguments, ["-c:v", "libvpx-vp9"]))
        #expect(containsRun(p.arguments, ["-c:a", "libopus"]))
        #expect(containsRun(p.arguments, ["-b:a", "192k"]))
        #expect(!containsRun(p.arguments, ["-c:v", "copy"]))
        #expect(p.expectedVideoCodec == "vp9")
        #expect(p.expectedAudioCodec == "opus")
        let reason = try #require(p.transcodeReason)
        #expect(reason.contains("h264"))
        #expect(reason.contains("aac"))
        #expect(p.transcodeReasons.count == 2)
        #expect(containsRun(p.arguments, ["-f", "webm"]))
    }

    @Test("video_codec h264 with video_quality 30 encodes with libx264 at CRF 30")
    func explicitCRF() throws {
        let p = try plan(JobOptions(videoCodec: "h264", videoQuality: 30))
        #expect(containsRun(p.arguments, ["-c:v", "libx264"]))
        #expect(containsRun(p.arguments, ["-crf", "30"]))
        #expect(containsRun(p.arguments, ["-c:a", "copy"]))
        #expect(p.expectedVideoCodec == "h264")
    }

    @Test(
        "quality_preset overrides video_quality",
        arguments: [
            ("highest", "18"), ("high", "20"), ("medium", "23"), ("low", "28"), ("lowest", "32"),
        ])
    func presetOverridesCRF(preset: String, crf: String) throws {
        let media = source(video: ("h264", 640, 360))
        let p = try plan(JobOptions(videoCodec: "h264", videoQuality: 40, qualityPreset: preset), media)
        #expect(containsRun(p.arguments, ["-crf", crf]))
        #expect(!containsRun(p.arguments, ["-crf", "40"]))
    }

    @Test("h265 encodes with libx265 and expects hevc")
    func h265() throws {
        let p = try plan(JobOptions(format: "mp4", videoCodec: "h265"))
        #expect(containsRun(p.arguments, ["-c:v", "libx265"]))
        #expect(containsRun(p.arguments, ["-tag:v", "hvc1"]))
        #expect(p.expectedVideoCodec == "hevc")
    }

    @Test("max_resolution 360 scales the shorter side of a landscape source")
    func scaleLandscape() throws {
        let p = try plan(JobOptions(maxResolution: "360"), source(video: ("h264", 1280, 720)))
        #expect(containsRun(p.arguments, ["-vf", "scale=-2:360"]))
        #expect(containsRun(p.arguments, ["-c:v", "libx264"]))
        #expect(p.expectedVideoCodec == "h264")
        #expect(p.transcodeReason?.contains("360") == true)
    }

    @Test("max_resolution 360 scales the shorter side (width) of a portrait source")
    func scalePortrait() throws {
        let p = try plan(JobOptions(maxResolution: "360"), source(video: ("h264", 720, 1280)))
        #expect(containsRun(p.arguments, ["-vf", "scale=360:-2"]))
    }

    @Test("a source already within the cap is copied, not scaled")
    func noScaleWithinCap() throws {
        let p = try plan(JobOptions(maxResolution: "720"), source(video: ("h264", 1280, 720)))
        #expect(!p.arguments.contains("-vf"))
        #expect(containsRun(p.arguments, ["-c:v", "copy"]))
    }

    @Test("clip_start/clip_end become -ss/-t and the expected duration is end − start")
    func clip() throws {
        let p = try plan(JobOptions(clipStart: "00:00:10", clipEnd: "25.5"), source(duration: 60))
        #expect(p.isClip)
        #expect(containsRun(p.arguments, ["-ss", "10.000", "-i", "/w/media.mkv"]))
        #expect(containsRun(p.arguments, ["-t", "15.500"]))
        #expect(p.expectedDuration == 15.5)
        // Accurate cuts: the copy is turned into an encode.
        #expect(containsRun(p.arguments, ["-c:v", "libx264"]))
        #expect(p.transcodeReason != nil)
    }

    @Test("a clip ending past the media's end expects media end − start")
    func clipPastEnd() throws {
        let p = try plan(JobOptions(clipStart: "10", clipEnd: "01:30"), source(duration: 60))
        #expect(p.expectedDuration == 50)
        #expect(containsRun(p.arguments, ["-ss", "10.000"]))
    }

    @Test("clip_start alone runs to the end of the media")
    func clipStartOnly() throws {
        let p = try plan(JobOptions(clipStart: "20"), source(duration: 60))
        #expect(p.expectedDuration == 40)
        #expect(!p.arguments.contains("-t"))
    }

    @Test("audio_only with no audio stream is refused with .noAudio")
    func audioOnlyNoAudio() throws {
        #expect(throws: ConversionPlan.Refusal.noAudio) {
            try plan(JobOptions(format: "m4a", audioOnly: true), source(audio: nil))
        }
    }

    @Test("a video format with no video stream is refused with .noVideo")
    func videoWithoutVideo() throws {
        #expect(throws: ConversionPlan.Refusal.noVideo) {
            try plan(JobOptions(format: "mp4"), source(video: nil))
        }
        // A cover picture is not a video stream.
        let cover = MediaInfo(
            formatName: "mp3", duration: 10,
            streams: [
                .init(type: "audio", codec: "mp3"), .init(type: "video", codec: "mjpeg", width: 500, height: 500),
            ])
        #expect(throws: ConversionPlan.Refusal.noVideo) { try plan(JobOptions(format: "mp4"), cover) }
    }

    @Test("audio_only maps no video and expects no video stream")
    func audioOnly() throws {
        let p = try plan(JobOptions(format: "mp3", audioCodec: "copy", audioOnly: true))
        #expect(p.expectedVideoCodec == nil)
        #expect(p.expectedAudioCodec == "mp3")
        #expect(containsRun(p.arguments, ["-c:a", "libmp3lame"]))
        #expect(!p.arguments.contains("-c:v"))
        #expect(containsRun(p.arguments, ["-map", "0:1"]))
        #expect(!containsRun(p.arguments, ["-map", "0:0"]))
    }

    @Test("verify returns nothing for a matching output")
    func verifyMatch() throws {
        let p = try plan(JobOptions(format: "mp4"))
        #expect(p.verify(source(duration: 60.4)) == [])
    }

    @Test("verify reports a wrong codec, a missing stream and a duration out of tolerance")
    func verifyMismatches() throws {
        let p = try plan(JobOptions(format: "mp4"))
        let wrongCodec = p.verify(source(video: ("vp9", 1280, 720)))
        #expect(wrongCodec.count == 1)
        #expect(wrongCodec.first?.contains("vp9") == true)

        let noAudio = p.verify(source(audio: nil))
        #expect(noAudio == ["the output has no audio stream"])

        let noVideo = p.verify(source(video: nil))
        #expect(noVideo == ["the output has no video stream"])

        let short = p.verify(source(duration: 50))
        #expect(short.count == 1)
        #expect(short.first?.contains("50.00") == true)

        let noDuration = p.verify(source(duration: nil))
        #expect(noDuration == ["the output has no duration"])
    }

    @Test("a clip is verified within 0.15 s")
    func verifyClipTolerance() throws {
        let p = try plan(JobOptions(clipStart: "10", clipEnd: "20"))
        #expect(p.verify(source(duration: 10.1)) == [])
        #expect(p.verify(source(duration: 10.3)).count == 1)
    }

    @Test("an audio-only plan rejects an output with a video stream")
    func verifyAudioOnlyWithVideo() throws {
        let p = try plan(JobOptions(format: "m4a", audioOnly: true))
        #expect(p.verify(source(video: nil)) == [])
        #expect(p.verify(source()).count == 1)
    }
}

@Suite("DownloadPlan")
struct DownloadPlanTests {
    func args(_ options: JobOptions = JobOptions(), url: String = "https://example.com/v", subs: [String]? = nil)
        -> [String]
    {
        DownloadPlan(url: url, options: options, workDirectory: "/w/job", socketTimeout: 20, subtitleLanguages: subs)
            .arguments
    }

    @Test("always --ignore-config first and the URL last, right after --")
    func ignoreConfigAndURLLast() {
        let a = args()
        #expect(a.first == "--ignore-config")
        #expect(Array(a.suffix(2)) == ["--", "https://example.com/v"])
        #expect(a.filter { $0 == "--" }.count == 1)
        #expect(containsRun(a, ["--socket-timeout", "20"]))
        #expect(a.contains("--no-playlist"))
    }

    @Test("a URL beginning with - follows -- and so can never be read as an option")
    func dashURL() {
        let evil = "--exec=touch /tmp/pwned"
        let a = args(url: evil)
        #expect(a.firstIndex(of: "--") == a.count - 2)
        #expect(a.last == evil)
        #expect(a.firstIndex(of: evil) == a.count - 1)
        #expect(!a.dropLast().contains { $0.hasPrefix("--exec") })
    }

    @Test("max_resolution 720 sorts by res:720")
    func resolutionCap() {
        #expect(containsRun(args(JobOptions(maxResolution: "720")), ["-S", "res:720"]))
        #expect(!args().contains("-S"))
        // The lower of the preset's cap and max_resolution wins.
        #expect(containsRun(args(JobOptions(qualityPreset: "low", maxResolution: "720")), ["-S", "res:480"]))
    }

    @Test("the lowest preset asks for the smallest source")
    func lowestPreset() {
        let a = args(JobOptions(qualityPreset: "lowest", maxResolution: "720"))
        #expect(containsRun(a, ["-S", "+res,+br"]))
        #expect(!a.contains("res:720"))
    }

    @Test("live streams are refused unless live_recording")
    func liveFilter() {
        #expect(containsRun(args(), ["--break-match-filters", "!is_live"]))
        #expect(!args(JobOptions(liveRecording: true)).contains("--break-match-filters"))
    }

    @Test("subtitle and thumbnail flags appear only when asked")
    func sideFiles() {
        let plain = args()
        #expect(!plain.contains("--write-subs"))
        #expect(!plain.contains("--write-thumbnail"))
        let all = args(JobOptions(downloadSubtitles: true, downloadThumbnail: true))
        #expect(containsRun(all, ["--write-subs", "--sub-langs", "all", "--convert-subs", "vtt"]))
        #expect(containsRun(all, ["--write-thumbnail", "--convert-thumbnails", "jpg"]))
        let narrowed = args(JobOptions(downloadSubtitles: true), subs: ["en", "de"])
        #expect(containsRun(narrowed, ["--sub-langs", "en,de"]))
    }

    @Test("audio_only picks the best audio format")
    func audioFormat() {
        #expect(containsRun(args(JobOptions(format: "m4a", audioOnly: true)), ["-f", "ba/b"]))
        #expect(containsRun(args(), ["-f", "bv*+ba/b"]))
    }
}

@Suite("DownloadProgressLine")
struct DownloadProgressLineTests {
    @Test("a full progress line")
    func full() throws {
        let line = try #require(DownloadProgressLine.parse("@@P downloading 1000 4000 NA 500.0 6"))
        #expect(line.status == "downloading")
        #expect(line.downloadedBytes == 1000)
        #expect(line.totalBytes == 4000)
        #expect(line.speedBps == 500)
        #expect(line.etaSeconds == 6)
        #expect(line.progress.percent == 25)
        #expect(line.progress.downloadedBytes == 1000)
    }

    @Test("total missing falls back to the estimate")
    func estimate() throws {
        let line = try #require(DownloadProgressLine.parse("@@P downloading 300 NA 1200.7 NA NA"))
        #expect(line.totalBytes == 1200)
        #expect(line.speedBps == nil)
        #expect(line.etaSeconds == nil)
        #expect(line.progress.percent == 25)
    }

    @Test("unknown sizes give no percent")
    func unknown() throws {
        let line = try #require(DownloadProgressLine.parse("@@P downloading 300 NA NA NA NA"))
        #expect(line.totalBytes == nil)
        #expect(line.progress.percent == nil)
    }

    @Test(
        "non-progress lines are nil",
        arguments: [
            "[download]  50.0% of 10.00MiB at 1.00MiB/s ETA 00:05",
            "@@P downloading 1 2",
            "",
            "ERROR: @@P downloading 1 2 3 4 5",
            "@@Pdownloading 1 2 3 4 5",
        ])
    func notProgress(line: String) {
        #expect(DownloadProgressLine.parse(line) == nil)
    }
}

@Suite("MediaInfo")
struct MediaInfoTests {
    static let json = """
        {
          "streams": [
            {"index": 0, "codec_name": "h264", "codec_type": "video", "width": 720, "height": 1280},
            {"index": 1, "codec_name": "aac", "codec_type": "audio", "sample_rate": "44100"},
            {"index": 2, "codec_name": "mjpeg", "codec_type": "video", "width": 300, "height": 300},
            {"index": 3, "codec_type": "subtitle"}
          ],
          "format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "12.345000", "size": "1000"}
        }
        """

    @Test("parses streams, format name and duration from ffprobe JSON")
    func parse() throws {
        let info = try #require(MediaInfo.parse(ffprobeJSON: Data(Self.json.utf8)))
        #expect(info.formatName == "mov,mp4,m4a,3gp,3g2,mj2")
        #expect(info.duration == 12.345)
        #expect(info.streams.count == 4)
        #expect(info.video == MediaInfo.Stream(type: "video", codec: "h264", width: 720, height: 1280))
        #expect(info.audio?.codec == "aac")
        #expect(info.streams[3].codec == "unknown")
        #expect(info.shorterSide == 720)
    }

    @Test("shorterSide is the width of a portrait video and nil without video")
    func shorterSide() {
        #expect(source(video: ("h264", 1080, 1920)).shorterSide == 1080)
        #expect(source(video: ("h264", 1920, 1080)).shorterSide == 1080)
        #expect(source(video: nil).shorterSide == nil)
    }

    @Test("garbage is nil; a document without format has no duration")
    func garbage() throws {
        #expect(MediaInfo.parse(ffprobeJSON: Data("not json".utf8)) == nil)
        #expect(MediaInfo.parse(ffprobeJSON: Data("[1]".utf8)) == nil)
        let bare = try #require(MediaInfo.parse(ffprobeJSON: Data(#"{"streams": []}"#.utf8)))
        #expect(bare.duration == nil)
        #expect(bare.video == nil)
    }
}
