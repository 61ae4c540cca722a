import Foundation
import Logging
import SpoolCore
import SpoolStore
import Synchronization
import Testing

@testable import SpoolPipeline
@testable import SpoolService

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
        #expect(LivePlan.lostStream(exitCode: 0, stderr: ["[tcp @ 0x1] Connection to tcp://h:80 failed: Connection refused"]))
        #expect(
            LivePlan.lostStream(
                exitCode: 1, stderr: ["ERROR: [generic] live: Unable to download webpage: HTTP Error 503"]))
        #expect(LivePlan.lostStream(exitCode: nil, stderr: []))
        let clean = ["[hls @ 0x2] Opening 'http://h/seg00009.ts' for reading", "video:300kB audio:60kB"]
        #expect(!LivePlan.lostStream(exitCode: 0, stderr: clean))
        // Only the last lines count: an error long before a clean end is not a loss.
        #expect(!LivePlan.lostStream(exitCode: 0, stderr: ["[http @ 0x1] HTTP error 503"] + Array(repeating: "x", count: 10)))
    }

    @Test("after a part: reconnect while the grace lasts; finish when stopped, capped, ended cleanly or nothing recorded")
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

    @Test("a recording's progress projects as {recorded_s, max_duration_s}")
    func progressProjection() throws {
        // Read back from the status file's bytes, where absent keys and null stay apart.
        func project(_ p: JobProgress) throws -> [String: Any] {
            let data = StatusProjection.encode(StatusProjection.progress(p))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let live = try project(JobProgress(recordedSeconds: 2.5, maxDurationSeconds: 6))
        #expect(live["recorded_s"] as? Double == 2.5)
        #expect(live["max_duration_s"] as? Double == 6)
        #expect(live["percent"] == nil)
        let open = try project(JobProgress(recordedSeconds: 1, maxDurationSeconds: nil))
        #expect(open["max_duration_s"] is NSNull)
        #expect(try project(JobProgress(percent: 5))["recorded_s"] == nil)
    }
}

/// A scheduler over live jobs with its own settings.
private func withLiveHarness(
    slots: Int = 1, liveSlots: Int = 1, waitLimit: Double = 21_600, _ fake: FakeExecutor,
    _ body: (SchedulerHarness) async throws -> Void
) async throws {
    try await withTempDirectory { root in
        let paths = SpoolPaths(root: root, configuration: .defaults)
        try paths.createLayout()
        let store = try Store(path: paths.database)
        let logger = Logger(label: "spool.tests", factory: { _ in SwiftLogNoOpLogHandler() })
        let status = StatusWriter(store: store, paths: paths, logger: logger)
        let scheduler = Scheduler(
            store: store, status: status, executor: fake, paths: paths,
            settings: .init(
                slots: slots, retries: 0, retryBaseDelay: 0.01, liveSlots: liveSlots, waitForVideoLimit: waitLimit),
            logger: logger)
        try await body(SchedulerHarness(paths: paths, store: store, scheduler: scheduler, fake: fake))
    }
}

private func addJobs(_ h: SchedulerHarness, _ options: [JobOptions]) throws -> [String] {
    let now = Date().millisecondsSince1970
    let batch = BatchRecord(
        id: SpoolID.make(), source: "b.json", claimName: nil, idempotencyKey: nil, folder: nil, createdAt: now)
    let jobs = options.enumerated().map { i, o in
        JobRecord(
            id: SpoolID.make(), batchId: batch.id, position: i, url: "https://example.com/\(i)", filename: nil,
            folder: nil, options: o, createdAt: now)
    }
    _ = try h.store.createBatch(batch, jobs: jobs)
    return jobs.map(\.id)
}

/// What a live attempt does when stopped: a cancel discards, a shutdown keeps the recording.
private func recordUntilStopped(_ spec: JobSpec, _ request: StopRequest) async -> JobOutcome {
    while !Task.isCancelled { try? await Task.sleep(for: .seconds(60)) }
    guard request.marked != .cancel else { return .cancelled }
    var result = JobResult()
    result.s3Key = "\(spec.id).mp4"
    result.stoppedReason = "shutdown"
    return .completed(result, PublishedOutput(OutputPublisher.Publication(keys: ["\(spec.id).mp4"], stagePaths: [])))
}

@Suite("Scheduler: live recordings")
struct LiveSchedulerTests {
    @Test("live recordings have their own slots: a running recording does not hold a download slot")
    func liveSlots() async throws {
        let gate = Gate()
        let fake = FakeExecutor { spec, _ in
            await gate.wait()
            return Outcomes.completed(spec)
        }
        try await withLiveHarness(slots: 1, liveSlots: 1, fake) { h in
            let live = JobOptions(liveRecording: true)
            let ids = try addJobs(h, [live, live]) + addJobs(h, [JobOptions()])
            try await h.running {
                // One recording (the live slot) and the normal download (its own slot) run together;
                // the second recording waits for the live slot.
                #expect(await eventually { fake.started.count == 2 })
                #expect(Set(fake.started) == [ids[0], ids[2]])
                #expect(h.status(ids[1])?.0 == .pending)
                gate.release()
                #expect(await eventually { ids.allSatisfy { h.status($0)?.0 == .completed } })
            }
            #expect(fake.highWater == 2)
        }
    }

    @Test("shutdown during a recording: the attempt's Completed outcome stands (stopped_reason shutdown)")
    func shutdownKeepsRecording() async throws {
        let fake = FakeExecutor(stoppable: { spec, _, stop in await recordUntilStopped(spec, stop) })
        try await withLiveHarness(fake) { h in
            let id = try addJobs(h, [JobOptions(liveRecording: true)])[0]
            try await h.running {
                #expect(await eventually { fake.current == 1 })
            }
            let job = try h.job(id)
            #expect(job.status == .completed)
            #expect(job.result?.stoppedReason == "shutdown")
            #expect(fake.log.withLock { $0.finished.count } == 1)
        }
    }

    @Test("cancel during a recording: the attempt sees the cancel mark and discards; Failed/Cancelled")
    func cancelDiscards() async throws {
        let fake = FakeExecutor(stoppable: { spec, _, stop in await recordUntilStopped(spec, stop) })
        try await withLiveHarness(fake) { h in
            let id = try addJobs(h, [JobOptions(liveRecording: true)])[0]
            try await h.running {
                #expect(await eventually { fake.current == 1 })
                #expect(await h.scheduler.cancel(jobID: id) == .stopping)
                #expect(await eventually { h.status(id).map { $0 == (.failed, .cancelled) } ?? false })
            }
            #expect(try h.job(id).result == nil)
            #expect(fake.log.withLock { $0.finished.isEmpty })
        }
    }

    @Test("a stream not up yet waits (Processing/Waiting, next_retry_at) and is looked at again until it starts")
    func waitsThenStarts() async throws {
        let fake = FakeExecutor { spec, attempt in
            if attempt < 3 {
                var waiting = FailureClass(
                    message: "The live stream has not started yet.", type: .warning, retryable: false)
                waiting.awaitingStart = true
                return .failed(waiting)
            }
            return Outcomes.completed(spec)
        }
        try await withLiveHarness(waitLimit: 60, fake) { h in
            let id = try addJobs(h, [JobOptions(liveRecording: true, waitForVideo: true)])[0]
            try await h.running {
                #expect(await eventually { h.status(id).map { $0 == (.processing, .waiting) } ?? false })
                let waiting = try h.job(id)
                let next = try #require(waiting.nextRetryAt)
                #expect(next - Date().millisecondsSince1970 > 500)
                #expect(waiting.downloadRetries == 0)
                #expect(await eventually(timeout: .seconds(15)) { h.status(id)?.0 == .completed })
            }
            #expect(fake.started.count == 3)
        }
    }

    @Test("past the wait limit the job fails with a message naming the limit")
    func waitLimit() async throws {
        let fake = FakeExecutor { _, _ in
            var waiting = FailureClass(
                message: "The live stream has not started yet.", type: .warning, retryable: false)
            waiting.awaitingStart = true
            return .failed(waiting)
        }
        try await withLiveHarness(waitLimit: 1, fake) { h in
            let id = try addJobs(h, [JobOptions(liveRecording: true, waitForVideo: true)])[0]
            try await h.running {
                #expect(await eventually(timeout: .seconds(10)) { h.status(id)?.0 == .failed })
            }
            let job = try h.job(id)
            #expect(job.error?.contains("wait_for_video_limit_s = 1 s") == true, "\(job.error ?? "")")
            #expect(job.errorType == .error)
            #expect(fake.started.count >= 2)
        }
    }
}
