// SIGTERM while a live recording is re-encoded (issue 16 item 2; folder-contract §8, tool-behaviour §1):
// the service exits within 10 s, the finalised raw recording stays in the job's work directory with its
// marker (`recorded.json`), the job goes back to Pending, and the next start converts and publishes that
// recording without recording again. The stream is served through a request-logging lab server and kept
// live through the restart, so "not recorded again" is checked on the server's side: no request for it.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The live job's kept recording: the marker's fields and the recording's path.
private func keptRecording(_ spool: SpoolRoot, _ id: String) throws -> (marker: [String: Any], media: URL) {
    let work = spool.dir("work").appendingPathComponent(id)
    let data = try #require(
        FileManager.default.contents(atPath: work.appendingPathComponent("recorded.json").path),
        "no recorded.json in work/\(id): \(listFilesRecursively(spool.dir("work")))")
    let marker = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let media = work.appendingPathComponent(try #require(marker["media"] as? String))
    return (marker, media)
}

/// Waits for the job to end, noting every step its status file shows meanwhile.
private func finished(_ spool: SpoolRoot, _ id: String, steps: inout Set<String>) async throws -> [String: Any] {
    try await waitFor("the kept recording to be converted", timeout: 420, interval: 0.1, on: spool) {
        () -> [String: Any]? in
        if let step = spool.job(id)?["step"] as? String { steps.insert(step) }
        return try terminal(spool, id)
    }
}

@Suite("End to end: SIGTERM during a live recording's re-encode", .serialized, .timeLimit(.minutes(10)))
struct ShutdownEncodeEndToEndTests {
    @Test(
        "30 s recording to h265, SIGTERM during the encode: exit ≤ 10 s, Pending with the raw recording kept; after the restart Completed with the full duration, not recorded again"
    )
    func sigtermDuringEncode() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "encode")
        defer { stream.stop() }
        try stream.start(runtime: 600)
        let spool = try SpoolRoot("live-term-encode", config: liveConfig())
        let server = try LoggingLabServer(mediaDir: lab.mediaDir, log: spool.base.appendingPathComponent("lab.log"))
        let url = "http://127.0.0.1:\(server.port)/\(stream.tag)/live.m3u8"
        try spool.start()
        try await stream.waitUntilLive()
        try spool.drop(
            "e.json",
            batchJSON(
                options: liveOptions([("max_duration", "30"), ("video_codec", "\"h265\"")]), jobs: [(url, "encode")]))
        let id = try await spool.acceptedReceipt("e").jobIDs[0]

        var recorded = 0.0
        _ = try await waitFor("the h265 encode to start", timeout: 120, interval: 0.05, on: spool) { () -> Bool? in
            if let job = try terminal(spool, id) {
                throw E2EError("the job ended before its encode was stopped: \(job)")
            }
            guard let job = spool.job(id) else { return nil }
            if let progress = job["progress"] as? [String: Any], let r = jsonDouble(progress["recorded_s"]) {
                recorded = max(recorded, r)
            }
            return job["step"] as? String == "Muxing" ? true : nil
        }
        let took = try await spool.stop(timeout: 10)
        #expect(took <= 10, "exit took \(took) s")
        print("ShutdownEncodeEndToEndTests: SIGTERM during the h265 encode, spool exited after \(took) s")
        let pending = try #require(spool.job(id))
        #expect(pending["status"] as? String == "Pending", "\(pending)\n\(spool.diagnostics())")
        let (marker, media) = try keptRecording(spool, id)
        #expect(abs((jsonDouble(marker["recorded_s"]) ?? 0) - 30) <= 1.5, "\(marker)")
        #expect(marker["stopped_by_shutdown"] as? Bool == false, "the recording had ended by max_duration")
        let rawDuration = try #require(try ffprobe(media).duration)
        #expect(abs(rawDuration - 30) <= 1.5, "raw recording \(rawDuration) s")
        #expect(listFilesRecursively(spool.dir("out")).isEmpty)
        #expect(recorded >= 25, "recorded_s seen while recording: \(recorded)")

        // The stream is still live: a second recording would request it.
        let requestsBefore = server.requests.filter { $0.contains(stream.tag) }.count
        #expect(requestsBefore > 0)
        #expect(stream.isRunning)
        try spool.start()
        var steps: Set<String> = []
        let job = try await finished(spool, id, steps: &steps)
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        #expect(!steps.contains("Recording"), "steps after the restart: \(steps)")
        #expect(server.requests.filter { $0.contains(stream.tag) }.count == requestsBefore, "recorded again")
        #expect(job["stopped_reason"] as? String == "max_duration")
        #expect((job["note"] as? String ?? "").contains("converted after the restart"), "\(job)")
        let file = try published(spool, job)
        let probe = try ffprobe(file)
        let duration = try #require(probe.duration)
        print("ShutdownEncodeEndToEndTests: after the restart, output \(duration) s from a \(rawDuration) s recording")
        #expect(abs(duration - rawDuration) <= 0.5, "output \(duration) s, recording \(rawDuration) s")
        #expect(probe.codec("video") == "hevc")
        try expectDecodesCleanly(file)
        #expect(scratchLeft(spool).isEmpty, "\(scratchLeft(spool))")
        #expect(listFilesRecursively(spool.dir("out")).count == 1, "\(listFilesRecursively(spool.dir("out")))")
        try await spool.stop()
    }

    @Test(
        "SIGTERM while recording to h265: exit ≤ 10 s, no encode during the shutdown; kill -9 during the conversion after the restart; after the next start Completed once, stopped_reason shutdown, the recorded duration"
    )
    func sigtermWhileRecording() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "rec-encode")
        defer { stream.stop() }
        try stream.start(runtime: 600)
        let spool = try SpoolRoot("live-term-rec-encode", config: liveConfig())
        let server = try LoggingLabServer(mediaDir: lab.mediaDir, log: spool.base.appendingPathComponent("lab.log"))
        let url = "http://127.0.0.1:\(server.port)/\(stream.tag)/live.m3u8"
        try spool.start()
        try await stream.waitUntilLive()
        try spool.drop("r.json", batchJSON(options: liveOptions([("video_codec", "\"h265\"")]), jobs: [(url, "rec")]))
        let id = try await spool.acceptedReceipt("r").jobIDs[0]
        let recorded = try await waitRecorded(spool, id, atLeast: 20)
        let took = try await spool.stop(timeout: 10)
        #expect(took <= 10, "exit took \(took) s")
        print("ShutdownEncodeEndToEndTests: SIGTERM while recording (\(recorded) s), spool exited after \(took) s")
        let pending = try #require(spool.job(id))
        #expect(pending["status"] as? String == "Pending", "\(pending)\n\(spool.diagnostics())")
        let (marker, media) = try keptRecording(spool, id)
        #expect(marker["stopped_by_shutdown"] as? Bool == true, "\(marker)")
        let rawDuration = try #require(try ffprobe(media).duration)
        #expect(rawDuration >= recorded - 1, "raw recording \(rawDuration) s, recorded_s \(recorded)")
        let rawErrors = try decodeErrors(media)
        print(
            "ShutdownEncodeEndToEndTests: decoding the kept recording: \(rawErrors.isEmpty ? "no errors" : rawErrors)")

        let requestsBefore = server.requests.filter { $0.contains(stream.tag) }.count
        try spool.start()
        var steps: Set<String> = []
        _ = try await waitFor("the kept recording's conversion", timeout: 120, interval: 0.05, on: spool) {
            () -> Bool? in
            if let job = try terminal(spool, id) { throw E2EError("converted before the kill: \(job)") }
            let step = spool.job(id)?["step"] as? String
            if let step { steps.insert(step) }
            return step == "Muxing" ? true : nil
        }
        // A crash mid-conversion: the marker is still there, and the next start converts again, once.
        try await kill9(spool)
        #expect(try keptRecording(spool, id).marker["stopped_by_shutdown"] as? Bool == true)
        try spool.start()
        let job = try await finished(spool, id, steps: &steps)
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        #expect(!steps.contains("Recording"), "steps after the restart: \(steps)")
        #expect(server.requests.filter { $0.contains(stream.tag) }.count == requestsBefore, "recorded again")
        #expect(job["stopped_reason"] as? String == "shutdown")
        let file = try published(spool, job)
        let duration = try #require(try ffprobe(file).duration)
        #expect(abs(duration - rawDuration) <= 0.5, "output \(duration) s, recording \(rawDuration) s")
        // The conversion adds no damage: a clean recording gives a clean output. A recording the stop cut
        // inside a packet (rare: a SIGINT while ffmpeg reads a segment) may carry that damaged last frame.
        if rawErrors.isEmpty {
            try expectDecodesCleanly(file)
        } else {
            let errors = try decodeErrors(file)
            #expect(!errors.hasPrefix("exit "), "decoding the output: \(errors); the kept recording: \(rawErrors)")
        }
        #expect(scratchLeft(spool).isEmpty, "\(scratchLeft(spool))")
        #expect(listFilesRecursively(spool.dir("out")).count == 1, "\(listFilesRecursively(spool.dir("out")))")
        try await spool.stop()
    }
}
