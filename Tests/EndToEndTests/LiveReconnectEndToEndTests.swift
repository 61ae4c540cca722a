// Live recordings that lose their stream: the recorder reconnects within live_reconnect_grace_s and the
// parts are joined; past the grace what was recorded is kept (cancel discards it, SIGTERM keeps it).

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension LiveEndToEndTests {
    @Test(
        "the server answers 503 for 4 s mid-recording: the recorder is started again within live_reconnect_grace_s, the parts are joined; Completed at max_duration 12"
    )
    func reconnectsAfterOutage() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "outage")
        defer { stream.stop() }
        try stream.start(runtime: 90)
        let spool = try SpoolRoot("live-outage", config: liveConfig(reconnectGrace: 20))
        try spool.start()
        try await stream.waitUntilLive()
        try spool.drop(
            "o.json",
            batchJSON(options: liveOptions([("max_duration", "12")]), jobs: [(stream.outageURL, "outage")]))
        let id = try await spool.acceptedReceipt("o").jobIDs[0]
        let beforeOutage = try await waitRecorded(spool, id, atLeast: 4)
        try stream.beginOutage()
        let outageBegan = Date()
        // recorded_s never goes back (it counts all parts), and goes on after the outage.
        var seen: [Double] = []
        func sample() {
            if let progress = spool.job(id)?["progress"] as? [String: Any], let r = jsonDouble(progress["recorded_s"]) {
                if seen.last != r { seen.append(r) }
            }
        }
        while Date().timeIntervalSince(outageBegan) < 4 {
            sample()
            if let job = try terminal(spool, id) { throw E2EError("the job ended during the outage: \(job)") }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        stream.endOutage()
        let duringOutage = seen.last ?? beforeOutage
        let job = try await waitFor("the recording to finish", timeout: 60, interval: 0.05, on: spool) {
            () -> [String: Any]? in
            sample()
            return try terminal(spool, id)
        }
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        #expect(job["stopped_reason"] as? String == "max_duration", "\(job)")
        #expect(seen == seen.sorted(), "recorded_s went back: \(seen)")
        #expect((seen.last ?? 0) > duringOutage + 3, "recorded_s seen: \(seen)")
        let note = job["note"] as? String ?? ""
        #expect(note.contains("reconnected"), "\(note)")
        #expect(logText(spool).contains("reconnecting"), "\(spool.diagnostics())")
        let file = try published(spool, job)
        let probe = try ffprobe(file)
        let duration = try #require(probe.duration)
        // The parts add up to max_duration: each later part is capped at what is left (rounded up
        // to 0.1 s) and ffmpeg cuts there. Measured over 7 runs: 12.00–12.02 s (first part 5–6 s).
        // ±2 s leaves room for a part's end on a frame boundary and two busy cores. Without the reconnect
        // the file would hold only the first part (about beforeOutage + 1–2 s, so 5–8 s): below 10 s, and
        // not more than beforeOutage + 5 however late the outage began.
        #expect(duration >= 10 && duration <= 14, "duration \(duration) (before the outage: \(beforeOutage))")
        #expect(duration > beforeOutage + 5, "duration \(duration) (before the outage: \(beforeOutage))")
        #expect(probe.codec("video") == "h264" && probe.codec("audio") == "aac")
        #expect(try !decodeErrors(file).hasPrefix("exit "))
        #expect(scratchLeft(spool).isEmpty, "\(scratchLeft(spool))")
        try await spool.stop()
    }

    @Test(
        "the server answers 503 for longer than live_reconnect_grace_s: what was recorded is kept; Completed, stream_ended, a note says the stream was lost"
    )
    func outageOutlastsGrace() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "lost")
        defer { stream.stop() }
        try stream.start(runtime: 90)
        let spool = try SpoolRoot("live-lost", config: liveConfig(reconnectGrace: 4))
        try spool.start()
        try await stream.waitUntilLive()
        try spool.drop(
            "l.json", batchJSON(options: liveOptions([("max_duration", "30")]), jobs: [(stream.outageURL, "lost")]))
        let id = try await spool.acceptedReceipt("l").jobIDs[0]
        let beforeOutage = try await waitRecorded(spool, id, atLeast: 3)
        try stream.beginOutage()
        let outageBegan = Date()
        let job = try await waitFor("the recording to end", timeout: 40, interval: 0.1, on: spool) {
            try terminal(spool, id)
        }
        // It kept trying for the 4-s grace (counted from the last media, just before the outage).
        #expect(Date().timeIntervalSince(outageBegan) >= 3)
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        #expect(job["stopped_reason"] as? String == "stream_ended")
        #expect((job["note"] as? String ?? "").contains("stream was lost"), "\(job["note"] ?? "no note")")
        let duration = try #require(try ffprobe(try published(spool, job)).duration)
        #expect(duration >= beforeOutage - 0.5 && duration < beforeOutage + 3, "duration \(duration)")
        #expect(scratchLeft(spool).isEmpty, "\(scratchLeft(spool))")
        try await spool.stop()
    }

    @Test("cancel while reconnecting discards everything; SIGTERM while reconnecting keeps what was recorded")
    func stopsWhileReconnecting() async throws {
        let lab = try await sharedLab()
        for stop in ["cancel", "shutdown"] {
            let stream = try LiveStream(lab: lab, name: "re-\(stop)")
            defer { stream.stop() }
            try stream.start(runtime: 90)
            let spool = try SpoolRoot("live-re-\(stop)", config: liveConfig(reconnectGrace: 60))
            try spool.start()
            try await stream.waitUntilLive()
            try spool.drop("r.json", batchJSON(options: liveOptions(), jobs: [(stream.outageURL, stop)]))
            let id = try await spool.acceptedReceipt("r").jobIDs[0]
            _ = try await waitRecorded(spool, id, atLeast: 3)
            try stream.beginOutage()
            _ = try await waitFor("spool to reconnect", timeout: 20, interval: 0.1, on: spool) { () -> Bool? in
                if let job = try terminal(spool, id) { throw E2EError("the job ended during the outage: \(job)") }
                return logText(spool).contains("reconnecting") ? true : nil
            }
            if stop == "cancel" {
                _ = FileManager.default.createFile(
                    atPath: spool.dir("cancel").appendingPathComponent(id).path, contents: nil)
                let job = try await waitFor("the job to end", timeout: 20, on: spool) { try terminal(spool, id) }
                #expect(job["status"] as? String == "Failed", "\(job)")
                #expect(job["step"] as? String == "Cancelled")
                _ = try await waitFor("work/ to be empty", timeout: 10, on: spool) {
                    scratchLeft(spool).isEmpty ? true : nil
                }
                #expect(listFilesRecursively(spool.dir("out")).isEmpty)
                try await spool.stop()
            } else {
                let took = try await spool.stop(timeout: 10)
                #expect(took < 10)
                let job = try #require(spool.job(id))
                #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
                #expect(job["stopped_reason"] as? String == "shutdown")
                #expect((try ffprobe(try published(spool, job)).duration ?? 0) >= 2)
                #expect(scratchLeft(spool).isEmpty, "\(scratchLeft(spool))")
            }
        }
    }
}
