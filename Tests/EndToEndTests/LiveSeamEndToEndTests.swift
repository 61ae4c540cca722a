// The join of a live recording that reconnected (issue 16): no frame recorded twice, none lost
// where the server still had it. The generator keeps every segment it wrote, so the test knows
// exactly what the stream sent and compares the published file with it, frame by frame (decoded
// frame checksums, ffmpeg's framemd5), at the seam and everywhere else.

import Foundation
import Testing

/// The decoded video frames' checksums of `inputs` (one file, or `concat:` of MPEG-TS segments).
func videoFrameChecksums(_ input: String) throws -> [String] {
    let result = try runCommand(
        try Paths.which("ffmpeg"),
        ["-v", "error", "-nostdin", "-i", input, "-map", "0:v:0", "-f", "framemd5", "-"], timeout: 120)
    guard result.status == 0 else { throw E2EError("framemd5 of \(input) failed: \(result.stderr)") }
    return result.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
        line.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

@Suite("End to end: live seams", .serialized, .timeLimit(.minutes(4)))
struct LiveSeamEndToEndTests {
    @Test(
        "a 2-s outage mid-recording: the joined file holds every frame the stream sent from the first recorded to the last, each once (frame checksums at the seam), and lasts as long as that stretch of the stream ± 1 s"
    )
    func seamlessJoin() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "seam")
        defer { stream.stop() }
        // A 12-segment window (12 s): the server still lists what was sent during the outage when
        // the recorder comes back (measured: 4–10 s after the outage began on a busy machine; with
        // 10 segments one run of 5 came back just as the last recorded segment left the window, an
        // exact fit that checksums cannot tell from a gap), and the first part (12 s) is long
        // enough that the second one begins inside it. The stream ends (ENDLIST) after 55 s,
        // which ends the recording (it must outlast the reconnect on a busy machine: a recorder
        // started after ENDLIST downloads the playlist as a finished video, without the progress
        // the watchdog counts).
        try stream.start(runtime: 55, endList: true, window: 12, keepSegments: true)
        let spool = try SpoolRoot("live-seam", config: liveConfig(reconnectGrace: 20))
        try spool.start()
        try await stream.waitUntilLive()
        try spool.drop("s.json", batchJSON(options: liveOptions(), jobs: [(stream.outageURL, "seam")]))
        let id = try await spool.acceptedReceipt("s").jobIDs[0]
        _ = try await waitRecorded(spool, id, atLeast: 12)
        try stream.beginOutage()
        try await Task.sleep(nanoseconds: 2_000_000_000)
        stream.endOutage()
        let job = try await waitFor("the recording to finish", timeout: 60, interval: 0.1, on: spool) {
            try terminal(spool, id)
        }
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        let note = job["note"] as? String ?? ""
        #expect(note.contains("reconnected"), "the recording did not reconnect: \(note)\n\(spool.diagnostics())")
        #expect(!note.contains("joined as recorded"), "a join was not resolved: \(note)")
        // The second part began inside the first, which was cut there (not dropped whole).
        let joins = logText(spool).components(separatedBy: "\n").filter { $0.contains("compared at their join") }
        #expect(
            joins.count == 1 && joins[0].contains("overlap(cutAt:") && !joins[0].contains("cutAt: 0.0,"), "\(joins)")

        let recorded = try videoFrameChecksums(try published(spool, job).path)
        try await stream.waitUntilStopped(timeout: 30)
        let sent = try videoFrameChecksums("concat:" + stream.allSegments.map(\.path).joined(separator: "|"))
        #expect(Set(sent).count == sent.count, "the test stream repeats a frame itself; the check would be blind")
        let first = try #require(recorded.first.flatMap { sent.firstIndex(of: $0) }, "first frame not in the stream")
        let last = try #require(recorded.last.flatMap { sent.lastIndex(of: $0) }, "last frame not in the stream")
        // Every frame once, in the stream's order, none missing: the recording is one stretch of the stream.
        let repeated = recorded.count - Set(recorded).count
        #expect(repeated == 0, "\(repeated) frames were recorded twice")
        let mismatch = zip(recorded, sent[first...]).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(
            mismatch == nil && recorded.count == last - first + 1,
            "the recording departs from the stream at frame \(mismatch?.offset ?? -1) of \(recorded.count) (stream frames \(first)…\(last)): \(seamReport(recorded, sent))"
        )
        // The stream is made in real time (-re, 25 fps), so this stretch is the wall-clock time recorded.
        let span = Double(last - first + 1) / 25
        let duration = try #require(try ffprobe(try published(spool, job)).duration)
        #expect(abs(duration - span) <= 1, "duration \(duration) s, recorded stretch of the stream \(span) s")
        #expect(span >= 12, "the recording covers only \(span) s of the stream")
        #expect(scratchLeft(spool).isEmpty, "\(scratchLeft(spool))")
        try await spool.stop()
    }

    @Test(
        "an outage longer than the server's 3-s window: the media sent meanwhile is gone, the parts are joined as recorded with nothing repeated, and the note says what was sent in between is missing"
    )
    func gapIsNoted() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "gap")
        defer { stream.stop() }
        try stream.start(runtime: 45, endList: true, window: 3, keepSegments: true)
        let spool = try SpoolRoot("live-gap", config: liveConfig(reconnectGrace: 20))
        try spool.start()
        try await stream.waitUntilLive()
        try spool.drop("g.json", batchJSON(options: liveOptions(), jobs: [(stream.outageURL, "gap")]))
        let id = try await spool.acceptedReceipt("g").jobIDs[0]
        _ = try await waitRecorded(spool, id, atLeast: 4)
        try stream.beginOutage()
        try await Task.sleep(nanoseconds: 6_000_000_000)
        stream.endOutage()
        let job = try await waitFor("the recording to finish", timeout: 60, interval: 0.1, on: spool) {
            try terminal(spool, id)
        }
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        let note = job["note"] as? String ?? ""
        #expect(note.contains("reconnected"), "the recording did not reconnect: \(note)\n\(spool.diagnostics())")
        #expect(note.contains("parts 1 and 2 were joined as recorded"), "no note on the gap: \(note)")
        #expect(note.contains("begins where part 1 ended or later") && note.contains("is missing"), "\(note)")

        let recorded = try videoFrameChecksums(try published(spool, job).path)
        try await stream.waitUntilStopped(timeout: 30)
        let sent = try videoFrameChecksums("concat:" + stream.allSegments.map(\.path).joined(separator: "|"))
        let index = Dictionary(sent.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let positions = recorded.map { index[$0] ?? -1 }
        #expect(!positions.contains(-1), "a recorded frame is not in the stream")
        #expect(
            positions == positions.sorted() && Set(positions).count == positions.count, "\(seamReport(recorded, sent))")
        // The outage (6 s) minus what the 3-s window still held: at least a second is missing.
        let missing = zip(positions, positions.dropFirst()).map { $1 - $0 - 1 }.max() ?? 0
        #expect(missing >= 25, "no gap in the recording: \(seamReport(recorded, sent))")
        #expect(scratchLeft(spool).isEmpty, "\(scratchLeft(spool))")
        try await spool.stop()
    }

    @Test(
        "a 2-s outage with max_duration: the joined file holds max_duration (± 1 s) of unique media, each frame once, and stopped_reason is max_duration",
        .timeLimit(.minutes(3))
    )
    func maxDurationAfterJoin() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "seamcap")
        defer { stream.stop() }
        // As in seamlessJoin: a 12-segment window, so the second part begins inside the first and
        // its first seconds are cut at the join; they must not count toward max_duration. The
        // stream (60 s) outlasts the recording, so only the cap can end it.
        try stream.start(runtime: 60, endList: true, window: 12, keepSegments: true)
        let spool = try SpoolRoot("live-seam-cap", config: liveConfig(reconnectGrace: 20))
        try spool.start()
        try await stream.waitUntilLive()
        let cap = 24
        try spool.drop(
            "c.json",
            batchJSON(options: liveOptions([("max_duration", "\(cap)")]), jobs: [(stream.outageURL, "seamcap")]))
        let id = try await spool.acceptedReceipt("c").jobIDs[0]
        _ = try await waitRecorded(spool, id, atLeast: 10)
        try stream.beginOutage()
        try await Task.sleep(nanoseconds: 2_000_000_000)
        stream.endOutage()
        let job = try await waitFor("the recording to finish", timeout: 90, interval: 0.1, on: spool) {
            try terminal(spool, id)
        }
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        let note = job["note"] as? String ?? ""
        #expect(note.contains("reconnected"), "the recording did not reconnect: \(note)\n\(spool.diagnostics())")
        #expect(!note.contains("joined as recorded"), "a join was not resolved: \(note)")
        #expect(job["stopped_reason"] as? String == "max_duration", "\(job)")
        // Seconds were cut at the join (otherwise this test shows nothing about counting them).
        let joins = logText(spool).components(separatedBy: "\n").filter { $0.contains("compared at their join") }
        #expect(joins.count == 1 && joins[0].contains("overlap(cutAt:"), "\(joins)")
        let compared = logText(spool).components(separatedBy: "\n").filter {
            $0.contains("compared with the part before while recording")
        }
        #expect(compared.contains { !$0.contains("repeated_s=0.0") }, "no repeated seconds counted: \(compared)")

        let file = try published(spool, job)
        let duration = try #require(try ffprobe(file).duration)
        #expect(abs(duration - Double(cap)) <= 1, "joined duration \(duration) s, max_duration \(cap) s")
        let recorded = try videoFrameChecksums(file.path)
        let repeated = recorded.count - Set(recorded).count
        #expect(repeated == 0, "\(repeated) frames were recorded twice")
        // Unique frames at 25 fps: max_duration of distinct media.
        #expect(abs(Double(Set(recorded).count) / 25 - Double(cap)) <= 1, "\(Set(recorded).count) unique frames")
        try await stream.waitUntilStopped(timeout: 60)
        let sent = try videoFrameChecksums("concat:" + stream.allSegments.map(\.path).joined(separator: "|"))
        let index = Dictionary(sent.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let positions = recorded.map { index[$0] ?? -1 }
        #expect(!positions.contains(-1), "a recorded frame is not in the stream")
        #expect(positions == positions.sorted(), "\(seamReport(recorded, sent))")
        #expect(scratchLeft(spool).isEmpty, "\(scratchLeft(spool))")
        try await spool.stop()
    }

    /// Where the recorded frames jump in the stream: repeats (backwards) and gaps (forwards).
    private func seamReport(_ recorded: [String], _ sent: [String]) -> String {
        let index = Dictionary(sent.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let positions = recorded.map { index[$0] ?? -1 }
        var jumps: [String] = []
        for i in positions.indices.dropFirst() where positions[i] != positions[i - 1] + 1 {
            jumps.append("after recorded frame \(i - 1): stream frame \(positions[i - 1]) → \(positions[i])")
        }
        return jumps.isEmpty ? "no jumps" : jumps.joined(separator: "; ")
    }
}
