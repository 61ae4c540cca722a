// End-to-end tests of the built `spool` binary with the real yt-dlp, ffmpeg and ffprobe,
// against media generated with ffmpeg and served on 127.0.0.1 (see Support/).
// The binary: $SPOOL_BIN, else <package root>/.build/debug/spool.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

let allStatuses = ["Pending", "Processing", "Completed", "Failed", "Warning", "Skipped"]

/// Checks a Completed job's status file and its output on disk (ffprobe), returns the output URL.
@discardableResult
func expectCompleted(
    _ spool: SpoolRoot, _ jobID: String, outputPath: String? = nil, videoCodec: String = "h264",
    audioCodec: String? = "aac", sourceLocation: SourceLocation = #_sourceLocation
) throws -> URL {
    let job = try #require(spool.job(jobID), "jobs/\(jobID).json missing", sourceLocation: sourceLocation)
    #expect(job["status"] as? String == "Completed", "job \(jobID): \(job)", sourceLocation: sourceLocation)
    #expect(job["step"] as? String == "Finished", sourceLocation: sourceLocation)
    let path = try #require(job["output_path"] as? String, "no output_path in \(job)", sourceLocation: sourceLocation)
    if let outputPath {
        #expect(path == outputPath, sourceLocation: sourceLocation)
    }
    #expect(path.hasPrefix("out/"), sourceLocation: sourceLocation)
    #expect(job["s3_key"] as? String == String(path.dropFirst("out/".count)), sourceLocation: sourceLocation)
    #expect(jsonInt(job["finished_at"]).map { $0 > 1_000_000_000_000 } == true, sourceLocation: sourceLocation)
    #expect(job["output_video_codec"] as? String == videoCodec, sourceLocation: sourceLocation)
    if let audioCodec {
        #expect(job["output_audio_codec"] as? String == audioCodec, sourceLocation: sourceLocation)
    }
    let file = spool.url(path)
    let attrs = try FileManager.default.attributesOfItem(atPath: file.path)
    let size = (attrs[.size] as? NSNumber)?.intValue
    #expect(size != nil && size! > 10_000, "output too small: \(size ?? -1) bytes", sourceLocation: sourceLocation)
    #expect(jsonInt(job["file_size"]) == size, sourceLocation: sourceLocation)
    let duration = jsonDouble(job["duration_s"])
    #expect(
        duration.map { abs($0 - Lab.clipDuration) < 0.5 } == true, "duration_s \(String(describing: duration))",
        sourceLocation: sourceLocation)

    let probe = try ffprobe(file)
    #expect(probe.codec("video") == videoCodec, "ffprobe: \(probe.streams)", sourceLocation: sourceLocation)
    if let audioCodec {
        #expect(probe.codec("audio") == audioCodec, sourceLocation: sourceLocation)
    }
    #expect(
        probe.duration.map { abs($0 - Lab.clipDuration) < 0.5 } == true,
        "ffprobe duration \(String(describing: probe.duration))", sourceLocation: sourceLocation)
    return file
}

@Suite("End to end: the spool binary on a real root", .serialized, .timeLimit(.minutes(3)))
struct EndToEndTests {

    // 1. The main path: folder, default name from the title, given filename, 404 → Warning.
    @Test("3-job batch: two Completed outputs under out/e2e/run1, the 404 job Warning, batch finished")
    func threeJobBatch() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("run1")
        try spool.start()
        let urls = [lab.url("clipA.mp4"), lab.url("clipB.mp4"), lab.url("status/404/missing.mp4")]
        let text = batchJSON(
            folder: "e2e/run1", jobs: [(urls[0], nil), (urls[1], "custom name"), (urls[2], nil)])
        let dropped = try spool.drop("run1.json", text)

        let receipt = try await spool.receipt("run1")
        #expect(receipt["source"] as? String == "run1.json")
        #expect(jsonInt(receipt["total_jobs"]) == 3)
        #expect(receipt["error"] == nil, "rejected: \(receipt)")
        let batchID = try #require(receipt["batch_id"] as? String)
        let jobIDs = try #require(receipt["job_ids"] as? [String])
        #expect(isLowercaseUUID(batchID), "batch_id \(batchID)")
        try #require(jobIDs.count == 3)
        #expect(jobIDs.allSatisfy { isLowercaseUUID($0) }, "\(jobIDs)")
        #expect(Set(jobIDs).count == 3)

        let batch = try await spool.finishedBatch(batchID)

        // Job IDs keep the order of `jobs`.
        for (i, id) in jobIDs.enumerated() {
            let job = try #require(spool.job(id), "jobs/\(id).json")
            #expect(job["id"] as? String == id)
            #expect(job["batch_id"] as? String == batchID)
            #expect(job["url"] as? String == urls[i], "job_ids[\(i)] is not jobs[\(i)]")
            #expect(job["folder"] as? String == "e2e/run1")
            #expect(jsonInt(job["created_at"]).map { $0 > 1_000_000_000_000 } == true, "created_at in ms")
            #expect(job["schema_version"] != nil)
            #expect(job["format"] as? String == "mp4")
            #expect(job["video_codec"] as? String == "copy")
        }

        try expectCompleted(spool, jobIDs[0], outputPath: "out/e2e/run1/clipA.mp4")
        try expectCompleted(spool, jobIDs[1], outputPath: "out/e2e/run1/custom name.mp4")
        #expect(spool.job(jobIDs[1])?["filename"] as? String == "custom name")

        let missing = try #require(spool.job(jobIDs[2]))
        #expect(missing["status"] as? String == "Warning", "404 job: \(missing)")
        #expect(missing["error_type"] as? String == "warning")
        #expect((missing["error"] as? String)?.isEmpty == false)
        #expect(missing["output_path"] == nil)

        // Only the two outputs in out/.
        #expect(listFilesRecursively(spool.dir("out")) == ["e2e/run1/clipA.mp4", "e2e/run1/custom name.mp4"])

        // Batch status.
        #expect(batch["status"] as? String == "finished")
        #expect(jsonInt(batch["total_jobs"]) == 3)
        #expect(batch["job_ids"] as? [String] == jobIDs)
        #expect(jsonDouble(batch["progress"]) == 100)
        let counts = try #require(batch["counts"] as? [String: Any], "counts: \(batch)")
        #expect(Set(counts.keys) == Set(allStatuses), "counts keys \(counts.keys.sorted())")
        let expected = ["Completed": 2, "Warning": 1, "Pending": 0, "Processing": 0, "Failed": 0, "Skipped": 0]
        for (status, n) in expected {
            #expect(jsonInt(counts[status]) == n, "counts[\(status)] in \(counts)")
        }

        // The accepted file, byte for byte, in archive/; gone from the inbox.
        let archived = try Data(contentsOf: spool.dir("archive").appendingPathComponent("\(batchID).json"))
        #expect(archived == dropped)
        #expect(!listDir(spool.inbox).contains("run1.json"))

        try await spool.stop()
    }

    // 2. Containers and codecs.
    @Test("format mkv with copy gives Matroska/h264; video_codec h264 + video_quality 30 re-encodes to h264")
    func formatsAndCodecs() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("formats")
        try spool.start()
        try spool.drop(
            "mkv.json",
            batchJSON(
                folder: "e2e/formats", options: [("format", "\"mkv\"")],
                jobs: [(lab.url("clipA.mp4"), "copy-mkv")]))
        try spool.drop(
            "h264.json",
            batchJSON(
                folder: "e2e/formats",
                options: [("format", "\"mp4\""), ("video_codec", "\"h264\""), ("video_quality", "30")],
                jobs: [(lab.url("clipB.mp4"), "h264-crf30")]))
        let mkv = try await spool.acceptedReceipt("mkv")
        let h264 = try await spool.acceptedReceipt("h264")
        let mkvBatch = try await spool.finishedBatch(mkv.batchID)
        let h264Batch = try await spool.finishedBatch(h264.batchID)
        #expect(mkvBatch["status"] as? String == "completed")
        #expect(h264Batch["status"] as? String == "completed")

        let mkvFile = try expectCompleted(spool, mkv.jobIDs[0], outputPath: "out/e2e/formats/copy-mkv.mkv")
        let mkvProbe = try ffprobe(mkvFile)
        #expect(mkvProbe.formatName.contains("matroska"), "format_name \(mkvProbe.formatName)")
        let mkvJob = try #require(spool.job(mkv.jobIDs[0]))
        #expect(mkvJob["format"] as? String == "mkv")
        #expect(mkvJob["video_codec"] as? String == "copy")

        let mp4File = try expectCompleted(spool, h264.jobIDs[0], outputPath: "out/e2e/formats/h264-crf30.mp4")
        let mp4Probe = try ffprobe(mp4File)
        #expect(mp4Probe.formatName.contains("mp4"), "format_name \(mp4Probe.formatName)")
        let h264Job = try #require(spool.job(h264.jobIDs[0]))
        #expect(h264Job["video_codec"] as? String == "h264")
        #expect(jsonInt(h264Job["video_quality"]) == 30)
        #expect(h264Job["format"] as? String == "mp4")

        try await spool.stop()
    }

    // 3. Rejection lists every problem.
    @Test("an invalid batch with three problems gets one rejection receipt naming all three")
    func invalidBatchRejected() async throws {
        let spool = try SpoolRoot("invalid")
        try spool.start()
        let text = """
            {
              "folder": "e2e/invalid",
              "audio_onyl": true,
              "clip_start": "00:00:07",
              "clip_end": "00:00:05",
              "jobs": [{"url": "ftp://media.example.org/a.mp4"}]
            }

            """
        let dropped = try spool.drop("bad batch.json", text)
        let receipt = try await spool.receipt("bad batch")
        #expect(receipt["source"] as? String == "bad batch.json")
        #expect(receipt["batch_id"] == nil)
        let errors = try #require(receipt["errors"] as? [[String: Any]], "receipt: \(receipt)")
        let fields = errors.compactMap { $0["field"] as? String }
        for field in ["jobs[0].url", "audio_onyl", "clip_end"] {
            #expect(fields.contains(field), "errors name \(fields)")
        }
        #expect(errors.allSatisfy { ($0["message"] as? String)?.isEmpty == false })
        #expect(receipt["error"] as? String == "\(errors.count) problems in batch file")

        let rejected = spool.dir("rejected").appendingPathComponent("bad batch.json")
        let bytes = try await waitFor("rejected/bad batch.json", timeout: 10, on: spool) {
            try? Data(contentsOf: rejected)
        }
        #expect(bytes == dropped)
        #expect(listDir(spool.dir("batches")).isEmpty)
        #expect(listDir(spool.dir("jobs")).isEmpty)
        #expect(listDir(spool.dir("archive")).isEmpty)
        #expect(!listDir(spool.inbox).contains("bad batch.json"))
        try await spool.stop()
    }

    @Test("two jobs with the same title in one folder give <name>.mp4 and <name> (2).mp4")
    func nameConflicts() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("dupes")
        try spool.start()
        try spool.drop(
            "dupes.json",
            batchJSON(folder: "e2e/dupes", jobs: [(lab.url("clipA.mp4"), nil), (lab.url("clipA.mp4"), nil)]))
        let r = try await spool.acceptedReceipt("dupes")
        let batch = try await spool.finishedBatch(r.batchID)
        #expect(batch["status"] as? String == "completed")
        var paths: [String] = []
        for id in r.jobIDs {
            let file = try expectCompleted(spool, id)
            paths.append(spool.job(id)?["output_path"] as? String ?? file.path)
        }
        #expect(Set(paths) == ["out/e2e/dupes/clipA.mp4", "out/e2e/dupes/clipA (2).mp4"], "\(paths)")
        #expect(listFilesRecursively(spool.dir("out")) == ["e2e/dupes/clipA (2).mp4", "e2e/dupes/clipA.mp4"])
        try await spool.stop()
    }

    // 6. SIGTERM while jobs run, then restart: every job completes exactly once.
    @Test("SIGTERM while jobs run exits within 10 s; a restart completes every job exactly once")
    func sigtermAndRestart() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("restart")
        try spool.start()
        // Throttled downloads (clipA is ~187 kB: ~12 s each at 15 kB/s) so that jobs are surely running,
        // and none can have finished, when SIGTERM arrives.
        let names = ["job1", "job2", "job3", "job4"]
        try spool.drop(
            "restart.json",
            batchJSON(
                folder: "e2e/restart", jobs: names.map { (lab.url("slow/15000/clipA.mp4"), $0) }))
        let r = try await spool.acceptedReceipt("restart")
        try #require(r.jobIDs.count == 4)

        let running = try await waitFor(
            "a job to be Processing", timeout: 30, interval: 0.05, on: spool
        ) {
            r.jobIDs.first { spool.job($0)?["status"] as? String == "Processing" }
        }
        let elapsed = try await spool.stop(timeout: 10)
        #expect(elapsed < 10, "took \(elapsed) s to exit after SIGTERM")
        // Interrupted jobs go back to Pending, never Failed; none had time to finish, so every one is Pending,
        // the one seen running included.
        for id in r.jobIDs {
            let status = spool.job(id)?["status"] as? String
            #expect(
                status == "Pending",
                "job \(id)\(id == running ? " (running at SIGTERM)" : "") after SIGTERM: \(String(describing: status))")
        }
        // Nothing partial in out/, and nothing finished either.
        #expect(
            listFilesRecursively(spool.dir("out")).isEmpty,
            "out/ after SIGTERM: \(listFilesRecursively(spool.dir("out")))")

        try spool.start()
        let batch = try await spool.finishedBatch(r.batchID, timeout: 120)
        #expect(batch["status"] as? String == "completed", "\(batch)")
        let counts = batch["counts"] as? [String: Any] ?? [:]
        #expect(jsonInt(counts["Completed"]) == 4, "counts \(counts)")
        var outputs: [String] = []
        for (i, id) in r.jobIDs.enumerated() {
            try expectCompleted(spool, id, outputPath: "out/e2e/restart/\(names[i]).mp4")
            outputs.append(spool.job(id)?["output_path"] as? String ?? "")
        }
        #expect(Set(outputs).count == 4)
        #expect(listFilesRecursively(spool.dir("out")) == names.map { "e2e/restart/\($0).mp4" }, "no (2) duplicates")
        #expect((batch["job_ids"] as? [String])?.count == 4)
        _ = try await waitFor("work/ to be empty", timeout: 10, on: spool) {
            listFilesRecursively(spool.dir("work")).isEmpty ? true : nil
        }
        try await spool.stop()
    }
}

/// The tests' configuration with trace logging.
let traceConfig: String = {
    guard let brace = e2eConfig.firstIndex(of: "{") else { return e2eConfig }
    return e2eConfig.replacingCharacters(in: brace...brace, with: "{\"log_level\": \"trace\", ")
}()

/// How many inbox listings spool has logged (at trace level).
func rescans(_ spool: SpoolRoot) -> Int {
    let log = (try? String(contentsOf: spool.log, encoding: .utf8)) ?? ""
    return log.components(separatedBy: "inbox rescan").count - 1
}
