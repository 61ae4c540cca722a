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
    func progressProjection() {
        let live = StatusProjection.progress(JobProgress(recordedSeconds: 2.5, maxDurationSeconds: 6))
        #expect(live["recorded_s"] as? Double == 2.5)
        #expect(live["max_duration_s"] as? Double == 6)
        #expect(live["percent"] == nil)
        let open = StatusProjection.progress(JobProgress(recordedSeconds: 1, maxDurationSeconds: nil))
        #expect(open["max_duration_s"] is NSNull)
        #expect(StatusProjection.progress(JobProgress(percent: 5))["recorded_s"] == nil)
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
        let store = try Store(directory: paths.state)
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
private func recordUntilStopped(_ spec: JobSpec) async -> JobOutcome {
    let request = StopRequest.current
    while !Task.isCancelled { try? await Task.sleep(for: .seconds(60)) }
    guard request?.marked != .cancel else { return .cancelled }
    var result = JobResult()
    result.s3Key = "\(spec.id).mp4"
    result.stoppedReason = "shutdown"
    return .completed(result, OutputPublisher.Publication(keys: ["\(spec.id).mp4"], stagePaths: []))
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
        let fake = FakeExecutor { spec, _ in await recordUntilStopped(spec) }
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
        let fake = FakeExecutor { spec, _ in await recordUntilStopped(spec) }
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
