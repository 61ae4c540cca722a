import Foundation
import Testing

@testable import SpoolPipeline

@Suite("ErrorClassifier")
struct ErrorClassifierTests {
    static let toolNames = ["yt-dlp", "ffmpeg", "ffprobe", "yt_dlp", "youtube-dl"]

    func classify(_ lines: [String], exit: Int32? = 1, signal: Int32? = nil) -> FailureClass {
        ErrorClassifier.classifyDownload(exitCode: exit, signal: signal, stderr: lines)
    }

    @Test("HTTP 404/410 is a content warning, never retried", arguments: ["404: Not Found", "410: Gone"])
    func notFound(code: String) {
        let f = classify(["[generic] x: Requesting", "ERROR: [generic] Unable to download webpage: HTTP Error \(code)"])
        #expect(f.type == .warning)
        #expect(f.retryable == false)
        #expect(f.message.contains("404/410"))
    }

    @Test(
        "technical failures are retryable errors",
        arguments: [
            "ERROR: unable to download video data: HTTP Error 500: Internal Server Error",
            "ERROR: unable to download video data: HTTP Error 503: Service Unavailable",
            "ERROR: unable to download video data: HTTP Error 429: Too Many Requests",
            "ERROR: Unable to download webpage: <urlopen error [Errno 111] Connection refused>",
            "ERROR: Unable to download webpage: The read operation timed out",
            "ERROR: [Errno -2] Name or service not known",
        ])
    func retryable(line: String) {
        let f = classify([line])
        #expect(f.type == .error)
        #expect(f.retryable)
    }

    @Test(
        "private, removed and geo-blocked videos are warnings",
        arguments: [
            "ERROR: [youtube] abc: Private video. Sign in if you've been granted access",
            "ERROR: [youtube] abc: Video unavailable. This video has been removed by the uploader",
            "ERROR: [generic] abc: This video is not available from your location due to geo restriction",
            "ERROR: [youtube] abc: Join this channel to get access to members-only content",
        ])
    func contentWarnings(line: String) {
        let f = classify([line])
        #expect(f.type == .warning)
        #expect(f.retryable == false)
    }

    @Test("YouTube's geo-block sentence is a warning")
    func youtubeGeoBlock() {
        let f = classify(["ERROR: [youtube] abc: The uploader has not made this video available in your country"])
        #expect(f.type == .warning)
        #expect(f.retryable == false)
    }

    @Test("exit 101 (a live stream filtered out) is a warning")
    func exit101() {
        let f = classify(["[youtube] abc: Downloading webpage"], exit: 101)
        #expect(f.type == .warning)
        #expect(f.retryable == false)
        #expect(f.message.contains("live_recording"))
    }

    @Test("a killed tool is a retryable error")
    func killed() {
        #expect(classify([], exit: nil, signal: 9).retryable)
        #expect(classify([], exit: 137).type == .error)
    }

    @Test("unknown text is an error, with the tool's prefixes and names removed")
    func unknown() {
        let f = classify(["WARNING: noise", "ERROR: [generic] yt-dlp could not run ffprobe on the ffmpeg output"])
        #expect(f.type == .error)
        #expect(f.retryable)
        #expect(f.message.hasPrefix("The download failed: "))
        #expect(!f.message.contains("ERROR:"))
        #expect(!f.message.contains("[generic]"))
        #expect(f.message.contains("downloader"))
        #expect(f.message.contains("converter"))
    }

    @Test(
        "no message ever names a tool",
        arguments: [
            ["ERROR: yt-dlp: HTTP Error 404: Not Found"],
            ["ERROR: ffmpeg exited with code 1"],
            ["ERROR: ffprobe failed"],
            ["ERROR: yt_dlp.utils.DownloadError: youtube-dl compat"],
            ["Traceback: yt-dlp crashed", "ffmpeg: not found"],
            [],
        ])
    func noToolNames(lines: [String]) {
        for exit: Int32? in [1, 2, 101, nil] {
            let message = classify(lines, exit: exit).message.lowercased()
            for name in Self.toolNames { #expect(!message.contains(name), "\(message)") }
        }
    }
}
