// Live recordings (issue 5; folder-contract §3 live_recording / max_duration / wait_for_video, §5 step
// Recording and progress {recorded_s, max_duration_s}, §8 a recording is finalised on SIGTERM).
// Each test runs its own live HLS generator (Support/LiveStream.swift) served by the shared lab.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The tests' configuration, plus extra keys.
func liveConfig(_ extra: String = "", reconnectGrace: Int = 8) -> String {
    """
    {"rescan_interval_s": 0.5, "incomplete_grace_s": 2, "retries": 0, "retry_base_delay_s": 0.2,
     "allow_private_network": true, "live_reconnect_grace_s": \(reconnectGrace)\(extra.isEmpty ? "" : ", " + extra)}
    """
}

/// Waits until the job is recording and has `seconds` recorded; the recorded_s seen then.
func waitRecorded(_ spool: SpoolRoot, _ id: String, atLeast seconds: Double) async throws -> Double {
    try await waitFor("\(seconds) s recorded", timeout: 30, interval: 0.05, on: spool) { () -> Double? in
        if let job = try terminal(spool, id) { throw E2EError("the recording ended by itself: \(job)") }
        guard let job = spool.job(id), job["step"] as? String == "Recording",
            let progress = job["progress"] as? [String: Any], let r = jsonDouble(progress["recorded_s"]), r >= seconds
        else { return nil }
        return r
    }
}

/// The spool log's text.
func logText(_ spool: SpoolRoot) -> String { (try? String(contentsOf: spool.log, encoding: .utf8)) ?? "" }

/// A finished job's status, or nil while it runs.
/// The job after a SIGTERM during its recording. On a loaded machine finalising and remuxing can outlast the
/// shutdown's finish budget (4 s): the recording is then kept (recorded.json, folder-contract §8), and the next
/// start (with `environment`) converts it; this waits for that and stops the service again.
func jobAfterShutdown(
    _ spool: SpoolRoot, _ id: String, environment: [String: String] = [:]
) async throws -> [String: Any] {
    var job = try #require(spool.job(id))
    guard job["status"] as? String == "Pending" else { return job }
    let marker = spool.dir("work").appendingPathComponent(id).appendingPathComponent("recorded.json")
    #expect(FileManager.default.fileExists(atPath: marker.path), "Pending without a kept recording: \(job)")
    try spool.start(extraEnvironment: environment)
    job = try await waitFor("the kept recording's conversion", timeout: 60, interval: 0.1, on: spool) {
        try terminal(spool, id)
    }
    try await spool.stop()
    return job
}

func terminal(_ spool: SpoolRoot, _ id: String) throws -> [String: Any]? {
    try spool.requireRunning()
    guard let job = spool.job(id), let status = job["status"] as? String,
        !["Pending", "Processing"].contains(status)
    else { return nil }
    return job
}

/// The errors of decoding a file from start to end; empty for a finalised, playable container.
func decodeErrors(_ file: URL) throws -> String {
    let result = try runCommand(
        try Paths.which("ffmpeg"), ["-v", "error", "-nostdin", "-i", file.path, "-f", "null", "-"], timeout: 60)
    let errors = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
    return result.status == 0 ? errors : "exit \(result.status): \(errors)"
}

/// Expects `file` to decode from start to end without an error; the errors are in the failure message.
func expectDecodesCleanly(_ file: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let errors = try decodeErrors(file)
    #expect(errors == "", "decoding \(file.lastPathComponent): \(errors)", sourceLocation: sourceLocation)
}

func published(_ spool: SpoolRoot, _ job: [String: Any]) throws -> URL {
    let key = try #require(job["s3_key"] as? String, "no s3_key in \(job)")
    let file = spool.dir("out").appendingPathComponent(key)
    #expect(FileManager.default.fileExists(atPath: file.path), "\(file.path) missing")
    return file
}

/// What is left in work/: job scratch directories and staged outputs (the staging directory itself may stay).
func scratchLeft(_ spool: SpoolRoot) -> [String] {
    listDir(spool.dir("work")).filter { $0 != ".staging" } + listFilesRecursively(spool.dir("work"))
}

func liveOptions(_ extra: [(String, String)] = []) -> [(String, String)] {
    [("live_recording", "true")] + extra
}

@Suite("End to end: live recordings", .serialized, .timeLimit(.minutes(4)))
struct LiveEndToEndTests {
    @Test(
        "live_recording + max_duration 6: Recording with advancing recorded_s, Completed at 6 ± 1.5 s, stopped_reason max_duration"
    )
    func maxDuration() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "maxdur")
        defer { stream.stop() }
        try stream.start(runtime: 60)
        let spool = try SpoolRoot("live-maxdur", config: liveConfig())
        try spool.start()
        try await stream.waitUntilLive()
        try spool.drop(
            "m.json",
            batchJSON(folder: "live", options: liveOptions([("max_duration", "6")]), jobs: [(stream.url, "rec")]))
        let (_, jobIDs) = try await spool.acceptedReceipt("m")
        let id = jobIDs[0]

        var recorded: Set<Double> = []
        var caps: Set<Double> = []
        let job = try await waitFor("the recording to finish", timeout: 60, interval: 0.05, on: spool) {
            () -> [String: Any]? in
            if let job = spool.job(id), job["step"] as? String == "Recording",
                let progress = job["progress"] as? [String: Any], let r = jsonDouble(progress["recorded_s"])
            {
                recorded.insert(r)
                if let cap = jsonDouble(progress["max_duration_s"]) { caps.insert(cap) }
            }
            return try terminal(spool, id)
        }
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        #expect(job["stopped_reason"] as? String == "max_duration")
        #expect(recorded.count >= 2, "recorded_s values seen while Recording: \(recorded.sorted())")
        #expect(caps == [6], "max_duration_s seen: \(caps)")
        let file = try published(spool, job)
        let probe = try ffprobe(file)
        let duration = try #require(probe.duration)
        #expect(abs(duration - 6) <= 1.5, "duration \(duration)")
        #expect(abs((jsonDouble(job["duration_s"]) ?? 0) - duration) < 0.5)
        #expect(probe.codec("video") == "h264" && probe.codec("audio") == "aac")
        #expect(file.pathExtension == "mp4")
        #expect(scratchLeft(spool).isEmpty, "\(scratchLeft(spool))")
        try await spool.stop()
    }

    @Test("a stream that ends (#EXT-X-ENDLIST) before max_duration: Completed, stopped_reason stream_ended")
    func streamEnds() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "ends")
        defer { stream.stop() }
        let spool = try SpoolRoot("live-ends", config: liveConfig())
        try spool.start()
        try stream.start(runtime: 9, endList: true)
        try await stream.waitUntilLive(segments: 1)
        try spool.drop(
            "e.json", batchJSON(options: liveOptions([("max_duration", "60")]), jobs: [(stream.url, "ends")]))
        let (_, jobIDs) = try await spool.acceptedReceipt("e")
        let id = jobIDs[0]
        _ = try await waitFor("the job to record", timeout: 20, interval: 0.05, on: spool) { () -> Bool? in
            if spool.job(id)?["step"] as? String == "Recording" { return true }
            return try terminal(spool, id).map { _ in true }
        }
        #expect(!stream.hasEndList, "the stream ended before the recording began; the test proves nothing")
        let job = try await waitFor("the recording to finish", timeout: 40, interval: 0.1, on: spool) {
            try terminal(spool, id)
        }
        #expect(stream.hasEndList)
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        #expect(job["stopped_reason"] as? String == "stream_ended")
        let duration = try #require(try ffprobe(try published(spool, job)).duration)
        #expect(duration > 1 && duration < 12, "duration \(duration)")
        try await spool.stop()
    }

    @Test(
        "a stream that stops without #EXT-X-ENDLIST: the watchdog ends the recording after live_reconnect_grace_s; Completed, stream_ended"
    )
    func streamGoesAway() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "gone")
        defer { stream.stop() }
        let spool = try SpoolRoot("live-gone", config: liveConfig())
        try spool.start()
        try stream.start(runtime: 9, endList: false)
        try await stream.waitUntilLive(segments: 1)
        try spool.drop("g.json", batchJSON(options: liveOptions(), jobs: [(stream.url, "gone")]))
        let id = try await spool.acceptedReceipt("g").jobIDs[0]
        _ = try await waitFor("the job to record", timeout: 20, interval: 0.05, on: spool) { () -> Bool? in
            if spool.job(id)?["step"] as? String == "Recording" { return true }
            return try terminal(spool, id).map { _ in true }
        }
        try await stream.waitUntilStopped(timeout: 20)
        let stoppedAt = Date()
        #expect(!stream.hasEndList)
        let job = try await waitFor("the watchdog to end the recording", timeout: 30, interval: 0.1, on: spool) {
            try terminal(spool, id)
        }
        // The grace is 8 s (liveConfig); the recorder then needs a moment to finalise.
        #expect(Date().timeIntervalSince(stoppedAt) >= 5)
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        #expect(job["stopped_reason"] as? String == "stream_ended")
        #expect((job["note"] as? String ?? "").contains("no new media"), "\(job["note"] ?? "no note")")
        let file = try published(spool, job)
        #expect((try ffprobe(file).duration ?? 0) > 1)
        // Playable to the end; the source went away mid-stream, so its last frame may be damaged.
        #expect(try !decodeErrors(file).hasPrefix("exit "))
        try await spool.stop()
    }

    @Test(
        "wait_for_video: a playlist that appears 8 s after the job starts → step Waiting with next_retry_at, then Completed"
    )
    func waitsForStart() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "late")
        defer { stream.stop() }
        let spool = try SpoolRoot("live-late", config: liveConfig())
        try spool.start()
        try spool.drop(
            "w.json",
            batchJSON(
                options: liveOptions([("wait_for_video", "true"), ("max_duration", "4")]), jobs: [(stream.url, "late")])
        )
        let (_, jobIDs) = try await spool.acceptedReceipt("w")
        let id = jobIDs[0]
        let waiting = try await waitFor("step Waiting", timeout: 20, interval: 0.05, on: spool) {
            () -> [String: Any]? in
            if let job = try terminal(spool, id) { throw E2EError("the job ended without waiting: \(job)") }
            guard let job = spool.job(id), job["step"] as? String == "Waiting" else { return nil }
            return job
        }
        #expect(waiting["status"] as? String == "Processing")
        #expect(jsonInt(waiting["next_retry_at"]) != nil, "\(waiting)")
        let startedAt = try #require(jsonInt(waiting["started_at"]))
        // The stream starts 8 s after the job did (a time stimulus, not a wait for an event).
        let startAt = Date(timeIntervalSince1970: Double(startedAt) / 1000 + 8)
        if startAt > Date() { try await Task.sleep(nanoseconds: UInt64(startAt.timeIntervalSinceNow * 1e9)) }
        #expect(spool.job(id)?["status"] as? String == "Processing")
        try stream.start(runtime: 60)
        let job = try await waitFor("the recording to finish", timeout: 60, interval: 0.1, on: spool) {
            try terminal(spool, id)
        }
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        #expect(job["stopped_reason"] as? String == "max_duration")
        let attempt = try #require(jsonInt(job["attempt"]), "no attempt in \(job)")
        #expect(attempt >= 2, "\(job)")
        let duration = try #require(try ffprobe(try published(spool, job)).duration)
        #expect(abs(duration - 4) <= 1.5, "duration \(duration)")
        try await spool.stop()
    }

    @Test(
        "a stream that never starts: wait_for_video with an 8 s limit → Waiting, then Failed naming the limit; without wait_for_video → Warning"
    )
    func waitLimitAndNoWait() async throws {
        let lab = try await sharedLab()
        // The first look alone (yt-dlp probing a 404) took 2.3–2.9 s at load average 10 and more under
        // heavier load, so a 3 s limit was often spent before the job could be Waiting: 8 s leaves room.
        let limit = 8
        let spool = try SpoolRoot("live-limit", config: liveConfig("\"wait_for_video_limit_s\": \(limit)"))
        try spool.start()
        // Every state of the waiting job is recorded from its first status file on.
        let recorder = JobStateRecorder(spool.dir("jobs"))
        defer { recorder.stop() }
        let never = lab.url("live-never-\(UUID().uuidString.prefix(8))/live.m3u8")
        try spool.drop(
            "w.json", batchJSON(options: liveOptions([("wait_for_video", "true")]), jobs: [(never, "never")]))
        try spool.drop("n.json", batchJSON(options: liveOptions(), jobs: [(never, "nowait")]))
        let waitID = try await spool.acceptedReceipt("w").jobIDs[0]
        let noWaitID = try await spool.acceptedReceipt("n").jobIDs[0]

        let noWait = try await waitFor("the job without wait_for_video to end", timeout: 20, on: spool) {
            try terminal(spool, noWaitID)
        }
        #expect(noWait["status"] as? String == "Warning", "\(noWait)")
        #expect(noWait["error_type"] as? String == "warning")

        let began = Date()
        let failed = try await waitFor("the waiting job to give up", timeout: 40, interval: 0.05, on: spool) {
            try terminal(spool, waitID)
        }
        recorder.stop()
        let states = recorder.states(of: waitID)
        let startedAt = try #require(jsonInt(failed["started_at"]))
        let finishedAt = try #require(jsonInt(failed["finished_at"]))
        if jsonInt(failed["attempt"]) == 1 {
            // Only when the first look itself outlasted the limit may the job fail without waiting.
            #expect(finishedAt - startedAt >= limit * 1000, "failed at the first look, \(finishedAt - startedAt) ms")
        } else {
            #expect(states.contains("Processing/Waiting"), "states of the waiting job: \(states)")
        }
        #expect(failed["status"] as? String == "Failed", "\(failed)")
        let message = failed["error"] as? String ?? ""
        #expect(message.contains("wait_for_video_limit_s") && message.contains("\(limit) s"), "\(message)")
        #expect(Date().timeIntervalSince(began) < Double(limit + 20))
        #expect(finishedAt - startedAt >= limit * 1000, "gave up after \(finishedAt - startedAt) ms")
        try await spool.stop()
    }

    @Test("live_recording on a URL that is not live: downloaded normally, Completed with a note, no stopped_reason")
    func notLive() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("live-vod", config: liveConfig())
        try spool.start()
        try spool.drop(
            "v.json", batchJSON(options: liveOptions([("max_duration", "2")]), jobs: [(lab.url("clipA.mp4"), "vod")]))
        let id = try await spool.acceptedReceipt("v").jobIDs[0]
        let job = try await waitFor("the download to finish", timeout: 40, interval: 0.1, on: spool) {
            try terminal(spool, id)
        }
        #expect(job["status"] as? String == "Completed", "\(job)")
        let note = job["note"] as? String ?? ""
        #expect(note.contains("not a live stream") && note.contains("max_duration"), "\(note)")
        #expect(job["stopped_reason"] == nil)
        let duration = try #require(try ffprobe(try published(spool, job)).duration)
        #expect(abs(duration - Lab.clipDuration) < 0.5, "duration \(duration)")
        try await spool.stop()
    }

    @Test(
        "SIGTERM during a recording: the service exits in time, the recording is finalised, playable, Completed with stopped_reason shutdown"
    )
    func shutdownKeepsRecording() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "term")
        defer { stream.stop() }
        try stream.start(runtime: 90)
        let spool = try SpoolRoot("live-term", config: liveConfig())
        try spool.start()
        try await stream.waitUntilLive()
        try spool.drop("t.json", batchJSON(options: liveOptions(), jobs: [(stream.url, "term")]))
        let id = try await spool.acceptedReceipt("t").jobIDs[0]
        _ = try await waitFor("a few seconds recorded", timeout: 30, interval: 0.05, on: spool) { () -> Bool? in
            if let job = try terminal(spool, id) { throw E2EError("the recording ended by itself: \(job)") }
            guard let job = spool.job(id), job["step"] as? String == "Recording",
                let progress = job["progress"] as? [String: Any], let r = jsonDouble(progress["recorded_s"]), r >= 3
            else { return nil }
            return true
        }
        let took = try await spool.stop(timeout: 10)
        #expect(took < 10)
        let job = try await jobAfterShutdown(spool, id)
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        #expect(job["stopped_reason"] as? String == "shutdown")
        let file = try published(spool, job)
        let duration = try #require(try ffprobe(file).duration)
        #expect(duration >= 2, "duration \(duration)")
        try expectDecodesCleanly(file)
        #expect(scratchLeft(spool).isEmpty, "\(scratchLeft(spool))")
    }

    @Test("cancel/<job_id> during a recording: Failed, step Cancelled, nothing in out/ or work/")
    func cancelDiscards() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "cancel")
        defer { stream.stop() }
        try stream.start(runtime: 90)
        let spool = try SpoolRoot("live-cancel", config: liveConfig())
        try spool.start()
        try await stream.waitUntilLive()
        try spool.drop("c.json", batchJSON(folder: "c", options: liveOptions(), jobs: [(stream.url, "cancel")]))
        let id = try await spool.acceptedReceipt("c").jobIDs[0]
        _ = try await waitFor("the recording to advance", timeout: 30, interval: 0.05, on: spool) { () -> Bool? in
            if let job = try terminal(spool, id) { throw E2EError("the recording ended by itself: \(job)") }
            guard let progress = spool.job(id)?["progress"] as? [String: Any],
                let r = jsonDouble(progress["recorded_s"]), r >= 2
            else { return nil }
            return true
        }
        _ = FileManager.default.createFile(atPath: spool.dir("cancel").appendingPathComponent(id).path, contents: nil)
        let job = try await waitFor("the job to end", timeout: 20, on: spool) { try terminal(spool, id) }
        #expect(job["status"] as? String == "Failed", "\(job)")
        #expect(job["step"] as? String == "Cancelled")
        #expect(job["error"] as? String == "Job cancelled by user")
        #expect(job["stopped_reason"] == nil)
        _ = try await waitFor("work/ to be empty", timeout: 10, on: spool) {
            scratchLeft(spool).isEmpty ? true : nil
        }
        #expect(listFilesRecursively(spool.dir("out")).isEmpty)
        try await spool.stop()
    }

    @Test(
        "live output as mkv (with live_from_start, which this source cannot do: noted) and encoded to h264 both verify")
    func formats() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "formats")
        defer { stream.stop() }
        try stream.start(runtime: 60)
        let spool = try SpoolRoot("live-formats", config: liveConfig("\"live_recordings\": 2"))
        try spool.start()
        try await stream.waitUntilLive()
        try spool.drop(
            "k.json",
            batchJSON(
                options: liveOptions([("max_duration", "4"), ("format", "\"mkv\""), ("live_from_start", "true")]),
                jobs: [(stream.url, "mkv")]))
        try spool.drop(
            "h.json",
            batchJSON(
                options: liveOptions([("max_duration", "4"), ("video_codec", "\"h264\"")]), jobs: [(stream.url, "h264")]
            ))
        let mkvID = try await spool.acceptedReceipt("k").jobIDs[0]
        let h264ID = try await spool.acceptedReceipt("h").jobIDs[0]
        for (id, container, ext) in [(mkvID, "matroska", "mkv"), (h264ID, "mp4", "mp4")] {
            let job = try await waitFor("job \(id) to finish", timeout: 60, interval: 0.1, on: spool) {
                try terminal(spool, id)
            }
            #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
            #expect(job["stopped_reason"] as? String == "max_duration")
            #expect(job["output_video_codec"] as? String == "h264")
            let file = try published(spool, job)
            #expect(file.pathExtension == ext)
            let probe = try ffprobe(file)
            #expect(probe.formatName.contains(container), "\(probe.formatName)")
            #expect(probe.codec("video") == "h264" && probe.streamCount("audio") == 1)
            #expect(abs((probe.duration ?? 0) - 4) <= 1.5, "duration \(probe.duration ?? -1)")
            try expectDecodesCleanly(file)
            if id == mkvID {
                #expect((job["note"] as? String ?? "").contains("live edge"), "\(job["note"] ?? "no note")")
            }
        }
        try await spool.stop()
    }
}
