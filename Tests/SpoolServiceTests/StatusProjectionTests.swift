import Foundation
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolPipeline
@testable import SpoolService

@Suite("StatusProjection")
struct StatusProjectionTests {
    let paths = SpoolPaths(root: "/srv/spool", configuration: .defaults)

    func job(_ status: JobStatus = .pending, step: JobStep = .queued, options: JobOptions = JobOptions()) -> JobRecord {
        var j = JobRecord(
            id: "0190a5c2-0000-7000-8000-000000000001", batchId: "0190a5c2-0000-7000-8000-0000000000aa", position: 0,
            url: "https://example.com/v", filename: nil, folder: nil, options: options, createdAt: 1_000)
        j.status = status
        j.step = step
        return j
    }

    /// A status document as its file holds it: encoded, then read back as a JSON object, so absent
    /// keys and `null` stay apart.
    func file(_ document: some Encodable) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: StatusProjection.encode(document)) as? [String: Any])
    }

    static let alwaysPresent = [
        "id", "batch_id", "url", "status", "step", "created_at", "folder", "schema_version", "node",
    ]
    static let echoed = [
        "format", "video_codec", "audio_codec", "audio_bitrate", "video_quality", "filename", "audio_only",
        "download_subtitles", "download_thumbnail", "quality_preset", "max_resolution", "clip_start", "clip_end",
        "live_recording", "live_from_start", "max_duration", "wait_for_video",
    ]

    @Test("a Pending job has the always-present fields and the option echo, and nothing that does not apply yet")
    func pending() throws {
        let doc = try file(StatusProjection.job(job(), paths: paths))
        for key in Self.alwaysPresent + Self.echoed { #expect(doc[key] != nil, "missing \(key)") }
        #expect(doc["status"] as? String == "Pending")
        #expect(doc["step"] as? String == "Queued")
        #expect(doc["created_at"] as? Int64 == 1_000)
        #expect(doc["folder"] is NSNull)
        #expect(doc["node"] is NSNull)
        #expect(doc["schema_version"] as? Int == 1)
        #expect(doc["requested_quality"] as? String == "best")
        for key in [
            "finished_at", "error", "error_type", "s3_key", "s3_url", "output_path", "attempt", "started_at",
            "progress", "download_retries", "next_retry_at",
        ] {
            #expect(doc[key] == nil, "\(key) should be absent")
        }
    }

    @Test("options are echoed under their request names; unset optionals are null")
    func optionEcho() throws {
        let options = JobOptions(
            format: "webm", videoCodec: "vp9", audioCodec: "opus", audioBitrate: "128k", videoQuality: 31,
            downloadSubtitles: true, qualityPreset: "low", maxResolution: "720", clipStart: "5", clipEnd: "00:10")
        var j = job(options: options)
        j.filename = "My clip"
        j.folder = "a/b"
        let doc = try file(StatusProjection.job(j, paths: paths))
        #expect(doc["format"] as? String == "webm")
        #expect(doc["video_codec"] as? String == "vp9")
        #expect(doc["audio_codec"] as? String == "opus")
        #expect(doc["audio_bitrate"] as? String == "128k")
        #expect(doc["video_quality"] as? Int == 31)
        #expect(doc["filename"] as? String == "My clip")
        #expect(doc["folder"] as? String == "a/b")
        #expect(doc["download_subtitles"] as? Bool == true)
        #expect(doc["download_thumbnail"] as? Bool == false)
        #expect(doc["quality_preset"] as? String == "low")
        #expect(doc["max_resolution"] as? String == "720")
        #expect(doc["clip_start"] as? String == "5")
        #expect(doc["clip_end"] as? String == "00:10")
        #expect(doc["max_duration"] is NSNull)
        #expect(doc["requested_quality"] as? String == "low")
        #expect(doc["api_key"] == nil)
        #expect(try file(StatusProjection.job(job(), paths: paths))["audio_bitrate"] is NSNull)
    }

    @Test("a running job shows attempt, started_at and progress")
    func processing() throws {
        var j = job(.processing, step: .downloading)
        j.attempt = 1
        j.startedAt = 1_500
        j.queueWaitMs = 500
        j.progress = JobProgress(percent: 50, downloadedBytes: 5, totalBytes: 10)
        let doc = try file(StatusProjection.job(j, paths: paths))
        #expect(doc["attempt"] as? Int == 1)
        #expect(doc["started_at"] as? Int64 == 1_500)
        #expect(doc["queue_wait_ms"] as? Int64 == 500)
        let progress = try #require(doc["progress"] as? [String: Any])
        #expect(progress["percent"] as? Double == 50)
        #expect(progress["speed_bps"] is NSNull)
        #expect(doc["finished_at"] == nil)
    }

    @Test("a Completed job has s3_key, output_path relative to the root and a file:// s3_url")
    func completed() throws {
        var j = job(.completed, step: .finished)
        j.folder = "shows"
        j.finishedAt = 9_000
        j.attempt = 1
        var r = JobResult()
        r.s3Key = "shows/Episode 1.mp4"
        r.subtitleKeys = ["shows/Episode 1.en.vtt", "shows/Episode 1.de.vtt"]
        r.transcodeReason = "re-encoded for an accurate clip"
        j.result = r
        let doc = try file(StatusProjection.job(j, paths: paths))
        #expect(doc["s3_key"] as? String == "shows/Episode 1.mp4")
        #expect(doc["output_path"] as? String == "out/shows/Episode 1.mp4")
        let url = try #require(doc["s3_url"] as? String)
        #expect(url.hasPrefix("file:///srv/spool/out/shows/"))
        #expect(URL(string: url)?.path == "/srv/spool/out/shows/Episode 1.mp4")
        #expect(doc["subtitle_key"] as? String == "shows/Episode 1.en.vtt")
        #expect((doc["subtitle_keys"] as? [String])?.count == 2)
        #expect(doc["thumbnail_key"] is NSNull)
        #expect(doc["thumbnail_url"] is NSNull)
        #expect(doc["description"] is NSNull)
        #expect(doc["finished_at"] as? Int64 == 9_000)
        #expect(doc["download_retries"] as? Int == 0)
        #expect(doc["transcode_reason"] as? String == "re-encoded for an accurate clip")
        #expect(doc["stopped_reason"] == nil)
        #expect(doc["error"] == nil)
        #expect(doc["error_type"] == nil)
    }

    @Test("a Warning job has error and error_type warning, and no output fields")
    func warning() throws {
        var j = job(.warning, step: .finished)
        j.error = "The video is private."
        j.errorType = .warning
        j.finishedAt = 2_000
        let doc = try file(StatusProjection.job(j, paths: paths))
        #expect(doc["error"] as? String == "The video is private.")
        #expect(doc["error_type"] as? String == "warning")
        #expect(doc["finished_at"] as? Int64 == 2_000)
        #expect(doc["s3_key"] == nil)
        #expect(doc["progress"] == nil)
    }

    @Test("a cancelled job is Failed/Cancelled with error_type error")
    func cancelled() throws {
        var j = job(.failed, step: .cancelled)
        j.error = "Job cancelled by user"
        let doc = try file(StatusProjection.job(j, paths: paths))
        #expect(doc["status"] as? String == "Failed")
        #expect(doc["step"] as? String == "Cancelled")
        #expect(doc["error_type"] as? String == "error")
        #expect(doc["finished_at"] is NSNull)
    }

    func batchDoc(_ statuses: [JobStatus], finishedAt: Int64? = nil) throws -> [String: Any] {
        let batch = BatchRecord(
            id: "b1", source: "drop.json", claimName: nil, idempotencyKey: nil, folder: nil, createdAt: 100,
            finishedAt: finishedAt)
        let jobs = statuses.enumerated().map { i, s in
            var j = job(s, step: s.isTerminal ? .finished : .queued)
            j.id = "j\(i)"
            j.position = i
            if s.isTerminal { j.finishedAt = 1_000 + Int64(i) }
            return j
        }
        return try file(StatusProjection.batch(batch, jobs: jobs))
    }

    @Test("batch counts list every status, zeros included")
    func batchCounts() throws {
        let doc = try batchDoc([.pending, .completed, .completed])
        let counts = try #require(doc["counts"] as? [String: Int])
        #expect(counts == ["Pending": 1, "Processing": 0, "Completed": 2, "Failed": 0, "Warning": 0, "Skipped": 0])
        #expect(doc["total_jobs"] as? Int == 3)
        #expect(doc["job_ids"] as? [String] == ["j0", "j1", "j2"])
        #expect(doc["progress"] as? Int == 66)
        #expect(doc["status"] as? String == "processing")
        #expect(doc["finished_at"] == nil)
        #expect(doc["folder"] is NSNull)
        #expect(doc["source"] as? String == "drop.json")
    }

    @Test("batch status: completed when all Completed, finished when some are not")
    func batchStatus() throws {
        let done = try batchDoc([.completed, .completed], finishedAt: 5_000)
        #expect(done["status"] as? String == "completed")
        #expect(done["progress"] as? Int == 100)
        #expect(done["finished_at"] as? Int64 == 5_000)

        let mixed = try batchDoc([.completed, .warning, .failed])
        #expect(mixed["status"] as? String == "finished")
        #expect(mixed["finished_at"] as? Int64 == 1_002)

        #expect(try batchDoc([.processing, .failed])["status"] as? String == "processing")
        #expect(try batchDoc([])["status"] as? String == "processing")
    }

    @Test("encode gives sorted JSON ending in a newline")
    func encode() throws {
        let data = StatusProjection.encode(StatusProjection.job(job(), paths: paths))
        #expect(data.last == UInt8(ascii: "\n"))
        let back = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(back["url"] as? String == "https://example.com/v")
        // The keys in the order the bytes hold them: JSONSerialization's `.sortedKeys` order, written out.
        let text = String(decoding: data, as: UTF8.self)
        let order = back.keys.sorted {
            text.range(of: "\"\($0)\":")!.lowerBound < text.range(of: "\"\($1)\":")!.lowerBound
        }
        #expect(
            order == [
                "audio_bitrate", "audio_codec", "audio_only", "batch_id", "clip_end", "clip_start", "created_at",
                "download_subtitles", "download_thumbnail", "filename", "folder", "format", "id", "live_from_start",
                "live_recording", "max_duration", "max_resolution", "node", "quality_preset", "requested_quality",
                "schema_version",
                "status", "step", "url", "video_codec", "video_quality", "wait_for_video",
            ])
        let resorted = try JSONSerialization.data(
            withJSONObject: back, options: [.sortedKeys, .withoutEscapingSlashes])
        #expect(data == resorted + Data("\n".utf8))
    }
}

@Suite("Live plan: progress projection")
struct LiveProgressProjectionTests {
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
