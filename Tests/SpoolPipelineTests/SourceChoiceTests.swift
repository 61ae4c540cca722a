import Foundation
import SpoolCore
import SpoolPipeline
import Testing

@Suite("DownloadPlan source choice (-S)")
struct SourceChoiceTests {
    func sort(_ options: JobOptions) -> String? {
        let a = DownloadPlan(
            url: "https://e.com/v", options: options, workDirectory: "/w", socketTimeout: 10, subtitleLanguages: nil
        )
        .arguments
        guard let i = a.firstIndex(of: "-S") else { return nil }
        return a[i + 1]
    }

    @Test("copy into webm prefers a VP9/Opus (webm) source, after the resolution")
    func webmCopy() {
        #expect(sort(JobOptions(format: "webm")) == "quality,res,vcodec:vp9,acodec:opus,ext:webm")
        #expect(sort(JobOptions(format: "webm", maxResolution: "720")) == "res:720,vcodec:vp9,acodec:opus,ext:webm")
    }

    @Test("an encoded stream needs no source preference")
    func encodedNoPreference() {
        #expect(sort(JobOptions(format: "webm", videoCodec: "vp9", audioCodec: "opus")) == nil)
        #expect(sort(JobOptions(format: "webm", videoCodec: "vp9")) == "quality,res,acodec:opus,ext:webm")
        #expect(sort(JobOptions(format: "mov", videoCodec: "h264", audioCodec: "copy")) == "quality,res,acodec:aac")
    }

    @Test("mp4 and mkv hold what sites serve: no preference, no -S by default")
    func mp4mkv() {
        #expect(sort(JobOptions(format: "mp4")) == nil)
        #expect(sort(JobOptions(format: "mkv")) == nil)
        #expect(sort(JobOptions(format: "mkv", qualityPreset: "lowest")) == "+res,+br")
    }

    @Test(
        "audio formats prefer their own codec when copying",
        arguments: [
            ("m4a", "acodec:aac"), ("mp3", "acodec:mp3"), ("ogg", "acodec:opus,ext:webm"),
            ("opus", "acodec:opus,ext:webm"),
        ])
    func audio(format: String, expected: String) {
        #expect(sort(JobOptions(format: format, audioOnly: true)) == "quality,res," + expected)
        let encoded = ["m4a": "aac", "mp3": "mp3", "ogg": "opus", "opus": "opus"][format]!
        #expect(sort(JobOptions(format: format, audioCodec: encoded, audioOnly: true)) == nil)
    }

    @Test("the lowest preset and caps stay first")
    func capsFirst() {
        #expect(sort(JobOptions(format: "webm", qualityPreset: "lowest")) == "+res,+br,vcodec:vp9,acodec:opus,ext:webm")
        #expect(
            sort(JobOptions(format: "mov", qualityPreset: "low", maxResolution: "1080"))
                == "res:480,vcodec:h265,acodec:aac")
    }

    @Test("subtitles: real ones only in the download, and the source's automatic captions are recorded")
    func subtitlesRealOnly() {
        let a = DownloadPlan(
            url: "https://e.com/v", options: JobOptions(downloadSubtitles: true), workDirectory: "/w",
            socketTimeout: 10,
            subtitleLanguages: nil
        ).arguments
        #expect(!a.contains("--write-auto-subs"))
        #expect(a.contains("--write-subs"))
        #expect(containsRun(a, ["--print-to-file", "video:%(automatic_captions)j", "/w/captions.json"]))
        let plain = DownloadPlan(
            url: "https://e.com/v", options: JobOptions(), workDirectory: "/w", socketTimeout: 10,
            subtitleLanguages: nil)
        #expect(!plain.arguments.contains("/w/captions.json"))
    }
}

@Suite("AutoCaptionPlan")
struct AutoCaptionPlanTests {
    @Test("the original language's -orig track wins over translations")
    func original() throws {
        let c = try #require(
            AutoCaptionPlan.choose(
                captionLanguages: ["de", "en", "en-orig", "fr"], originalLanguage: "en", allowed: nil))
        #expect(c.track == "en-orig")
        #expect(c.language == "en")
    }

    @Test("without a known language, the -orig track is the original")
    func unknownLanguage() throws {
        let c = try #require(
            AutoCaptionPlan.choose(captionLanguages: ["de", "ja-orig", "ja"], originalLanguage: nil, allowed: nil))
        #expect(c.track == "ja-orig" && c.language == "ja")
        let single = try #require(AutoCaptionPlan.choose(captionLanguages: ["es"], originalLanguage: nil, allowed: nil))
        #expect(single.track == "es")
    }

    @Test("no captions, an ambiguous set, or a language narrowed away: nothing is fetched")
    func nothing() {
        #expect(AutoCaptionPlan.choose(captionLanguages: [], originalLanguage: "en", allowed: nil) == nil)
        #expect(AutoCaptionPlan.choose(captionLanguages: ["de", "fr"], originalLanguage: nil, allowed: nil) == nil)
        #expect(AutoCaptionPlan.choose(captionLanguages: ["en-orig"], originalLanguage: "en", allowed: ["de"]) == nil)
        #expect(AutoCaptionPlan.choose(captionLanguages: ["en-orig"], originalLanguage: "en", allowed: ["en"]) != nil)
    }

    @Test("the caption call downloads no media, asks for exactly one track and keeps the URL after --")
    func arguments() {
        let p = AutoCaptionPlan(
            url: "https://e.com/v", track: "en-orig", language: "en", workDirectory: "/w", socketTimeout: 5)
        #expect(p.arguments.first == "--ignore-config")
        #expect(Array(p.arguments.suffix(2)) == ["--", "https://e.com/v"])
        #expect(p.arguments.contains("--skip-download"))
        #expect(containsRun(p.arguments, ["--write-auto-subs", "--sub-langs", "^en-orig$", "--convert-subs", "vtt"]))
        #expect(p.writtenName == "captions.en-orig.vtt")
        #expect(p.publishedName == "media.en.vtt")
    }

    @Test("caption languages from yt-dlp's JSON; NA and empty lists are none")
    func languages() {
        #expect(AutoCaptionPlan.languages(fromJSON: Data("NA".utf8)) == [])
        #expect(AutoCaptionPlan.languages(fromJSON: nil) == [])
        #expect(AutoCaptionPlan.languages(fromJSON: Data(#"{"en": [{"ext": "vtt"}], "de": []}"#.utf8)) == ["en"])
    }
}

@Suite("Plain error sentences and transfer speed")
struct PlainErrorTests {
    @Test(
        "an unknown failure becomes one sentence without the cause chain, the ID or the advice",
        arguments: [
            "ERROR: [generic] clip: Unable to download webpage: HTTP Error 418: I'm a teapot (caused by <HTTPError 418: I'm a teapot>)",
            "ERROR: [generic] abc-1: Something odd happened; please report this issue on  https://github.com/yt-dlp/yt-dlp/issues?q= , filling out the appropriate issue template. Confirm you are on the latest version using  yt-dlp -U",
        ])
    func oneSentence(line: String) {
        let m = ErrorClassifier.classifyDownload(exitCode: 1, signal: nil, stderr: [line]).message
        #expect(m.hasPrefix("The download failed: "))
        #expect(m.hasSuffix(".") && !m.hasSuffix(".."))
        #expect(!m.contains("caused by") && !m.contains("http") && !m.contains("report") && !m.contains("\n"))
        #expect(!m.lowercased().contains("yt-dlp"))
        #expect(!m.contains("clip:") && !m.contains("abc-1:"))
    }

    @Test("the finished progress line carries the transfer's elapsed time")
    func elapsed() throws {
        let line = try #require(DownloadProgressLine.parse("@@P finished 250000 250000 NA NA NA 2.5"))
        #expect(line.elapsedSeconds == 2.5)
        #expect(line.downloadedBytes == 250_000)
        let old = try #require(DownloadProgressLine.parse("@@P downloading 1 2 NA NA NA"))
        #expect(old.elapsedSeconds == nil)
    }
}

@Suite("JobRunner internal failures")
struct InternalFailureTests {
    @Test("a full disk is named plainly; other internal errors give a generic sentence")
    func messages() {
        let enospc = POSIXError(.ENOSPC)
        #expect(JobRunner.internalFailureMessage(enospc) == "The job could not be finished: no space left on device.")
        let wrapped = NSError(
            domain: NSCocoaErrorDomain, code: 640,
            userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))])
        #expect(JobRunner.internalFailureMessage(wrapped).contains("no space left on device"))
        let other = JobRunner.internalFailureMessage(CocoaError(.fileReadUnknown))
        #expect(other.hasSuffix(".") && !other.contains("\n"))
        #expect(!other.lowercased().contains("no space"))
    }
}
