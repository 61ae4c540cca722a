// wait_for_video on ordinary jobs (issue 16 item 1; folder-contract §3 wait_for_video, §5 step Waiting): a
// scheduled premiere or upcoming stream submitted without live_recording waits for its URL to
// appear, is then downloaded normally, ends Warning when it turns out to be live, and gives up
// at wait_for_video_limit_s. The "late" sources are files and live playlists the shared lab starts
// serving a few seconds after the batch is accepted (their URLs answer 404 until then).

import Foundation
import Testing

/// The tests' configuration, plus extra keys.
private func premiereConfig(_ extra: String = "") -> String {
    """
    {"rescan_interval_s": 0.5, "incomplete_grace_s": 2, "retries": 0, "retry_base_delay_s": 0.2,
     "allow_private_network": true\(extra.isEmpty ? "" : ", " + extra)}
    """
}

/// A finished job's status, or nil while it runs.
private func finished(_ spool: SpoolRoot, _ id: String) throws -> [String: Any]? {
    try spool.requireRunning()
    guard let job = spool.job(id), let status = job["status"] as? String,
        !["Pending", "Processing"].contains(status)
    else { return nil }
    return job
}

/// Waits until the job shows step Waiting; that status file (it must carry next_retry_at).
private func waitingStatus(_ spool: SpoolRoot, _ id: String) async throws -> [String: Any] {
    try await waitFor("step Waiting", timeout: 30, interval: 0.02, on: spool) { () -> [String: Any]? in
        if let job = try finished(spool, id) { throw E2EError("the job ended without waiting: \(job)") }
        guard let job = spool.job(id), job["step"] as? String == "Waiting" else { return nil }
        return job
    }
}

/// Sleeps until `seconds` after `start` (a time stimulus, not a wait for an event).
private func sleep(until seconds: Double, after start: Date) async throws {
    let at = start.addingTimeInterval(seconds)
    if at > Date() { try await Task.sleep(nanoseconds: UInt64(at.timeIntervalSinceNow * 1e9)) }
}

@Suite("End to end: wait_for_video without live_recording", .serialized, .timeLimit(.minutes(3)))
struct PremiereEndToEndTests {
    @Test("a VOD that appears 4 s after the batch is accepted: Processing/Waiting with next_retry_at, then Completed")
    func lateVOD() async throws {
        let lab = try await sharedLab()
        let name = "late-vod-\(UUID().uuidString.prefix(8).lowercased()).mp4"
        let file = lab.mediaDir.appendingPathComponent(name)
        defer { try? FileManager.default.removeItem(at: file) }
        let spool = try SpoolRoot("premiere-vod", config: premiereConfig())
        try spool.start()
        let recorder = JobStateRecorder(spool.dir("jobs"))
        defer { recorder.stop() }
        try spool.drop("p.json", batchJSON(options: [("wait_for_video", "true")], jobs: [(lab.url(name), "late")]))
        let id = try await spool.acceptedReceipt("p").jobIDs[0]
        let accepted = Date()

        let waiting = try await waitingStatus(spool, id)
        #expect(waiting["status"] as? String == "Processing")
        #expect(jsonInt(waiting["next_retry_at"]) != nil, "\(waiting)")
        #expect(waiting["error"] == nil || waiting["error"] is NSNull, "a start poll is not an error: \(waiting)")
        try await sleep(until: 4, after: accepted)
        #expect(try finished(spool, id) == nil, "the job ended before its file appeared")
        try FileManager.default.copyItem(
            at: lab.mediaDir.appendingPathComponent(Lab.clips[0].name), to: file)

        let job = try await waitFor("the job to finish", timeout: 60, interval: 0.1, on: spool) {
            try finished(spool, id)
        }
        recorder.stop()
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        #expect(recorder.states(of: id).contains("Processing/Waiting"), "\(recorder.states(of: id))")
        #expect(jsonInt(job["download_retries"]) == 0, "a start poll is not a download retry: \(job)")
        let key = try #require(job["s3_key"] as? String, "no s3_key in \(job)")
        let output = spool.dir("out").appendingPathComponent(key)
        let probe = try ffprobe(output)
        #expect(abs((probe.duration ?? 0) - Lab.clipDuration) <= 0.5, "duration \(probe.duration ?? -1)")
        #expect(probe.codec("video") != nil && probe.codec("audio") != nil)
        try await spool.stop()
    }

    @Test(
        "a live playlist that appears late, without live_recording: Waiting, then Warning saying to set live_recording")
    func lateLiveWithoutRecording() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "premiere")
        defer { stream.stop() }
        let spool = try SpoolRoot("premiere-live", config: premiereConfig())
        try spool.start()
        let recorder = JobStateRecorder(spool.dir("jobs"))
        defer { recorder.stop() }
        try spool.drop("p.json", batchJSON(options: [("wait_for_video", "true")], jobs: [(stream.url, "live")]))
        let id = try await spool.acceptedReceipt("p").jobIDs[0]
        let accepted = Date()

        let waiting = try await waitingStatus(spool, id)
        #expect(jsonInt(waiting["next_retry_at"]) != nil, "\(waiting)")
        try await sleep(until: 4, after: accepted)
        try stream.start(runtime: 60)
        try await stream.waitUntilLive()

        let job = try await waitFor("the job to end", timeout: 60, interval: 0.1, on: spool) {
            try finished(spool, id)
        }
        recorder.stop()
        #expect(job["status"] as? String == "Warning", "\(job)\n\(spool.diagnostics())")
        #expect(job["error_type"] as? String == "warning")
        let message = job["error"] as? String
        expectPlainSentence(message)
        #expect(message?.contains("live_recording") == true, "\(message ?? "nil")")
        #expect(job["s3_key"] == nil || job["s3_key"] is NSNull, "\(job)")
        #expect(recorder.states(of: id).contains("Processing/Waiting"), "\(recorder.states(of: id))")
        try await spool.stop()
    }

    @Test("a VOD that never appears, wait_for_video_limit_s 3: Waiting, then Failed with the plain wait-limit error")
    func waitLimit() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("premiere-limit", config: premiereConfig("\"wait_for_video_limit_s\": 3"))
        try spool.start()
        let recorder = JobStateRecorder(spool.dir("jobs"))
        defer { recorder.stop() }
        let never = lab.url("never-\(UUID().uuidString.prefix(8).lowercased()).mp4")
        try spool.drop("p.json", batchJSON(options: [("wait_for_video", "true")], jobs: [(never, "never")]))
        let id = try await spool.acceptedReceipt("p").jobIDs[0]

        let failed = try await waitFor("the job to give up", timeout: 40, interval: 0.05, on: spool) {
            try finished(spool, id)
        }
        recorder.stop()
        #expect(recorder.states(of: id).contains("Processing/Waiting"), "\(recorder.states(of: id))")
        #expect(failed["status"] as? String == "Failed", "\(failed)")
        let message = failed["error"] as? String
        expectPlainSentence(message)
        #expect(
            message == "The live stream did not start within the wait limit (wait_for_video_limit_s = 3 s).",
            "\(message ?? "nil")")
        let startedAt = try #require(jsonInt(failed["started_at"]))
        let finishedAt = try #require(jsonInt(failed["finished_at"]))
        #expect(finishedAt - startedAt >= 3000, "gave up after \(finishedAt - startedAt) ms")
        try await spool.stop()
    }
}
