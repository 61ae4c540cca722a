import Foundation
import SpoolCore
import Testing

@testable import SpoolPipeline

@Suite("Live plan")
struct LivePlanTests {
    @Test("the recording argv: the job's download argv, bounded by max_duration, from-start only where supported")
    func recordArguments() {
        let download = DownloadPlan(
            url: "https://example.com/live.m3u8", options: JobOptions(liveRecording: true), workDirectory: "/w",
            socketTimeout: 10, subtitleLanguages: nil
        ).arguments
        #expect(!download.contains("--break-match-filters"))
        let bounded = LivePlan.recordArguments(download: download, maxDuration: 6, fromStart: false)
        #expect(containsRun(bounded, ["--download-sections", "*0-6", "--", "https://example.com/live.m3u8"]))
        #expect(!bounded.contains("--live-from-start"))
        #expect(bounded.suffix(2) == ["--", "https://example.com/live.m3u8"])
        let fromStart = LivePlan.recordArguments(download: download, maxDuration: nil, fromStart: true)
        #expect(containsRun(fromStart, ["--live-from-start", "--", "https://example.com/live.m3u8"]))
        #expect(!fromStart.contains("--download-sections"))
        #expect(LivePlan.supportsFromStart(extractorKey: "Youtube"))
        #expect(LivePlan.supportsFromStart(extractorKey: "mellow-fan"))
        #expect(!LivePlan.supportsFromStart(extractorKey: "Generic"))
        #expect(!LivePlan.supportsFromStart(extractorKey: nil))
        let probe = LivePlan.probeArguments(url: "https://example.com/x", socketTimeout: 7)
        #expect(probe.first == "--ignore-config" && probe.contains("-J"))
        #expect(probe.suffix(2) == ["--", "https://example.com/x"])
    }

    @Test("a reconnect's argv: paths moved into the part's directory, the cap lowered to what is left, no from-start")
    func reconnectArguments() {
        let download = DownloadPlan(
            url: "https://example.com/w/live.m3u8", options: JobOptions(liveRecording: true), workDirectory: "/w",
            socketTimeout: 10, subtitleLanguages: nil
        ).arguments
        let first = LivePlan.recordArguments(download: download, maxDuration: 12, fromStart: true)
        let part = LivePlan.reconnectArguments(
            record: first, workDirectory: "/w", partDirectory: "/w/live-part-2", remainingSeconds: 6.94)
        #expect(containsRun(part, ["-P", "/w/live-part-2", "-P", "temp:/w/live-part-2/.tmp"]))
        #expect(containsRun(part, ["after_move:%(filepath)s", "/w/live-part-2/\(DownloadPlan.finalPathFile)"]))
        #expect(part.contains("/w/live-part-2/\(DownloadPlan.infoFile)"))
        #expect(!part.contains { $0 == "/w" || $0.hasPrefix("/w/") && !$0.hasPrefix("/w/live-part-2") })
        #expect(part.filter { $0 == "--download-sections" }.count == 1)
        #expect(containsRun(part, ["--download-sections", "*0-7", "--", "https://example.com/w/live.m3u8"]))
        #expect(!part.contains("--live-from-start"))
        #expect(part.contains("media.%(ext)s") && part.contains("--ignore-config"))
        #expect(part.suffix(2) == ["--", "https://example.com/w/live.m3u8"])
        let fraction = LivePlan.reconnectArguments(
            record: first, workDirectory: "/w", partDirectory: "/p", remainingSeconds: 6.42)
        #expect(containsRun(fraction, ["--download-sections", "*0-6.5"]))
        let uncapped = LivePlan.reconnectArguments(
            record: LivePlan.recordArguments(download: download, maxDuration: nil, fromStart: false),
            workDirectory: "/w", partDirectory: "/p", remainingSeconds: nil)
        #expect(!uncapped.contains("--download-sections"))
        #expect(LivePlan.remainingSeconds(maxDuration: 12, recorded: 5.01) == 12 - 5.01)
        #expect(LivePlan.remainingSeconds(maxDuration: 4, recorded: 5) == 0)
        #expect(LivePlan.remainingSeconds(maxDuration: nil, recorded: 5) == nil)
    }

    @Test("a lost stream: ffmpeg's 5xx / failed playlist reload (exit 0) or any non-zero exit; a clean end is not")
    func lostStream() {
        // As measured: the playlist answered 503, ffmpeg ended as if at the end and yt-dlp exited 0.
        let outage = [
            "[http @ 0x1] HTTP error 503 Service Unavailable",
            "[hls @ 0x2] keepalive request failed for 'http://h/live.m3u8' with error: 'Server returned 5XX Server Error reply' when parsing playlist",
            "[hls @ 0x2] Failed to reload playlist 0",
            "video:195kB audio:41kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: 16.2%",
        ]
        #expect(LivePlan.lostStream(exitCode: 0, stderr: outage))
        #expect(
            LivePlan.lostStream(
                exitCode: 0, stderr: ["[tcp @ 0x1] Connection to tcp://h:80 failed: Connection refused"]))
        #expect(
            LivePlan.lostStream(
                exitCode: 1, stderr: ["ERROR: [generic] live: Unable to download webpage: HTTP Error 503"]))
        #expect(LivePlan.lostStream(exitCode: nil, stderr: []))
        let clean = ["[hls @ 0x2] Opening 'http://h/seg00009.ts' for reading", "video:300kB audio:60kB"]
        #expect(!LivePlan.lostStream(exitCode: 0, stderr: clean))
        // Only the last lines count: an error long before a clean end is not a loss.
        #expect(
            !LivePlan.lostStream(
                exitCode: 0, stderr: ["[http @ 0x1] HTTP error 503"] + Array(repeating: "x", count: 10)))
    }

    @Test(
        "after a part: reconnect while the grace lasts; finish when stopped, capped, ended cleanly or nothing recorded")
    func afterPart() {
        func decide(
            stop: Bool = false, exit: Int32? = 0, lost: Bool = true, part: Double = 4, total: Double = 4,
            max: Int? = 12, since: Double = 1, grace: Double = 8
        ) -> LivePlan.AfterPart {
            LivePlan.afterPart(
                stopRequested: stop, exitCode: exit, stderr: lost ? ["[hls @ 0x1] Failed to reload playlist 0"] : [],
                partRecorded: part, totalRecorded: total, maxDuration: max, sinceLastMedia: since, grace: grace)
        }
        #expect(decide() == .reconnect)
        #expect(decide(max: nil) == .reconnect)
        #expect(decide(exit: 1, lost: false) == .reconnect)
        // A restart the server refused recorded nothing: try again while the grace lasts.
        #expect(decide(exit: 1, lost: false, part: 0, since: 5) == .reconnect)
        #expect(decide(exit: 0, lost: false, part: 0, since: 5) == .reconnect)
        #expect(decide(part: 0, since: 8) == .lost)
        #expect(decide(since: 9) == .lost)
        #expect(decide(stop: true) == .finish)
        #expect(decide(lost: false) == .finish)
        #expect(decide(total: 11.2) == .finish)
        #expect(decide(total: 10.9) == .reconnect)
        #expect(decide(exit: 1, part: 0, total: 0) == .finish)
    }

    @Test("joining parts: an ffconcat list with quoted paths, ffmpeg copying streams, +faststart for mp4")
    func joinArguments() {
        let list = LivePlan.concatList(parts: ["/w/media.mp4", "/w/live-part-2/it's.mp4"])
        #expect(list == "ffconcat version 1.0\nfile '/w/media.mp4'\nfile '/w/live-part-2/it'\\''s.mp4'\n")
        let mp4 = LivePlan.joinArguments(list: "/w/parts.ffconcat", output: "/w/recording.mp4")
        #expect(containsRun(mp4, ["-f", "concat", "-safe", "0", "-i", "/w/parts.ffconcat"]))
        #expect(containsRun(mp4, ["-map", "0", "-c", "copy"]))
        #expect(containsRun(mp4, ["-movflags", "+faststart", "/w/recording.mp4"]))
        #expect(mp4.last == "/w/recording.mp4" && mp4.contains("-nostdin"))
        let mkv = LivePlan.joinArguments(list: "/w/l", output: "/w/recording.mkv")
        #expect(!mkv.contains("-movflags") && mkv.last == "/w/recording.mkv")
    }

    @Test("recorded time is read from ffmpeg's progress line")
    func recordedSeconds() {
        let line = "frame=  100 fps= 50 q=-1.0 size=     216kB time=00:00:04.01 bitrate= 441.2kbits/s speed=   2x"
        #expect(LivePlan.recordedSeconds(inLine: line) == 4.01)
        #expect(LivePlan.recordedSeconds(inLine: "size=1kB time=01:02:03.50 bitrate=N/A") == 3723.5)
        #expect(LivePlan.recordedSeconds(inLine: "time=N/A bitrate=N/A") == nil)
        #expect(LivePlan.recordedSeconds(inLine: "[hls @ 0x1] Opening 'x' for reading") == nil)
    }

    @Test("a stream that is not up yet: a 404/410 playlist or a site's upcoming message; other errors are not")
    func notStartedYet() {
        #expect(
            LivePlan.isNotStartedYet(stderr: [
                "ERROR: [generic] live: Unable to download webpage: HTTP Error 404: Not Found"
            ]))
        #expect(LivePlan.isNotStartedYet(stderr: ["ERROR: [youtube] abc: This live event will begin in 3 hours."]))
        #expect(LivePlan.isNotStartedYet(stderr: ["ERROR: [twitch:stream] x: The channel is not currently live"]))
        #expect(!LivePlan.isNotStartedYet(stderr: ["ERROR: [generic] x: HTTP Error 500: Internal Server Error"]))
        #expect(!LivePlan.isNotStartedYet(stderr: ["ERROR: [generic] x: HTTP Error 403: Forbidden"]))
    }

    @Test("the -J probe: live, upcoming, not live, playlists, not JSON")
    func probe() {
        let live = LiveProbe(
            json: Data(#"{"is_live": true, "live_status": "is_live", "extractor_key": "Generic", "title": "t"}"#.utf8))
        #expect(live == LiveProbe(isLive: true, liveStatus: "is_live", extractorKey: "Generic", title: "t"))
        let upcoming = LiveProbe(json: Data(#"{"is_live": false, "live_status": "is_upcoming"}"#.utf8))
        #expect(upcoming?.isUpcoming == true && upcoming?.isLive == false)
        #expect(LiveProbe(json: Data(#"{"title": "vod", "duration": 4}"#.utf8))?.isLive == false)
        let playlist = LiveProbe(json: Data(#"{"_type": "playlist", "entries": [{"is_live": true}]}"#.utf8))
        #expect(playlist?.isLive == true)
        #expect(LiveProbe(json: Data("not json".utf8)) == nil)
        #expect(LiveProbe(json: nil) == nil)
    }

    @Test("stopped_reason: shutdown, the watchdog, the cap (within 1 s), else the stream ended")
    func stoppedReason() {
        #expect(
            LivePlan.stoppedReason(shutdown: true, stalled: false, maxDuration: 6, recordedSeconds: 6) == "shutdown")
        #expect(
            LivePlan.stoppedReason(shutdown: false, stalled: true, maxDuration: 6, recordedSeconds: 3) == "stream_ended"
        )
        #expect(
            LivePlan.stoppedReason(shutdown: false, stalled: false, maxDuration: 6, recordedSeconds: 6.01)
                == "max_duration")
        #expect(
            LivePlan.stoppedReason(shutdown: false, stalled: false, maxDuration: 6, recordedSeconds: 5.2)
                == "max_duration")
        #expect(
            LivePlan.stoppedReason(shutdown: false, stalled: false, maxDuration: 60, recordedSeconds: 7)
                == "stream_ended")
        #expect(
            LivePlan.stoppedReason(shutdown: false, stalled: false, maxDuration: nil, recordedSeconds: 7)
                == "stream_ended")
    }

    @Test("polling for a stream to start: 2 s growing by half, at most 60 s, never past the limit")
    func pollDelay() {
        #expect(LivePlan.pollDelay(poll: 1, remaining: 100) == 2)
        #expect(LivePlan.pollDelay(poll: 2, remaining: 100) == 3)
        #expect(LivePlan.pollDelay(poll: 3, remaining: 100) == 4.5)
        #expect(LivePlan.pollDelay(poll: 30, remaining: 10_000) == 60)
        #expect(LivePlan.pollDelay(poll: 5, remaining: 1.2) == 1.2)
        #expect(LivePlan.waitLimitMessage(limitSeconds: 3).contains("wait_for_video_limit_s = 3 s"))
        #expect(LivePlan.waitLimitMessage(limitSeconds: 21_600).contains("6 h"))
    }
}
