import Foundation
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolService

/// Status files and receipts from store records (`StatusProjection` + `StatusJSONEncoder`), compared with
/// bytes written out here: the encoder has no fallback whose equal output could hide a change.
@Suite("StatusJSON")
struct StatusJSONTests {
    static let paths = SpoolPaths(root: "/srv/spool", configuration: .defaults)
    static let batchID = "0190a0b0-0000-7000-8000-00000000000b"
    static let started: Int64 = 1_700_000_000_100

    static func record(
        _ status: JobStatus, _ step: JobStep, id: String = "0190a0b0-0000-7000-8000-000000000001",
        options: JobOptions = JobOptions()
    ) -> JobRecord {
        var j = JobRecord(
            id: id, batchId: batchID, position: 0, url: "https://example.com/v/clip.mp4", filename: nil, folder: nil,
            options: options, createdAt: 1_700_000_000_000)
        j.status = status
        j.step = step
        return j
    }

    static let fullOptions = JobOptions(
        format: "mkv", videoCodec: "h264", audioCodec: "aac", audioBitrate: "192k", videoQuality: 20, audioOnly: false,
        downloadSubtitles: true, downloadThumbnail: true, qualityPreset: "low", maxResolution: "720",
        clipStart: "00:00:05", clipEnd: "10.5", liveRecording: true, liveFromStart: true, maxDuration: 60,
        waitForVideo: true)

    static var fullResult: JobResult {
        var r = JobResult()
        r.s3Key = "shows/2026/Episode 1.mkv"
        r.subtitleKeys = ["shows/2026/Episode 1.en.vtt", "shows/2026/Episode 1.de.vtt"]
        r.thumbnailKey = "shows/2026/Episode 1.jpg"
        r.fileSize = 305_685_123
        r.durationSeconds = 1_234.567
        r.title = "Episode \"1\" / the pilot"
        r.description = "Line one\nLine two\ttabbed \\ backslash \u{1}"
        r.releaseDate = "2026-01-31"
        r.nativeVideoCodec = "vp9"
        r.nativeAudioCodec = "opus"
        r.outputVideoCodec = "h264"
        r.outputAudioCodec = "aac"
        r.actualQuality = "720p"
        r.downloadSpeedMbps = 12.0
        r.downloadDurationMs = 2_500
        r.muxDurationMs = 300
        r.uploadDurationMs = 0
        r.totalDurationMs = 2_900
        r.transcodeReason = "re-encoded for an accurate clip"
        r.stoppedReason = "max_duration reached"
        r.note = "recorded from the live edge"
        return r
    }

    /// Records whose projection differs by state: keys present, absent and `null`.
    static var jobs: [String: JobRecord] {
        var all: [String: JobRecord] = [:]
        var full = record(.pending, .queued, options: fullOptions)
        full.filename = "Ünïcode / name\t\u{1}"
        full.folder = "shows/2026"
        full.url = "https://example.com/a/b?x=1&y=\"q\""
        full.nextRetryAt = 1_700_000_009_000  // not Processing: not shown
        all["pendingAllOptions"] = full
        var retry = record(.pending, .queued, id: "0190a0b0-0000-7000-8000-000000000002")
        retry.originalJobId = "0190a0b0-0000-7000-8000-000000000001"
        retry.attempt = 2
        all["pendingRetry"] = retry
        var running = record(.processing, .downloading)
        running.node = "node-a"
        running.startedAt = started
        running.queueWaitMs = 100
        running.attempt = 1
        running.progress = JobProgress(
            percent: 42.5, downloadedBytes: 1_234_567, totalBytes: 2_904_863, speedBps: 1_536_000.25, etaSeconds: 3)
        all["processingProgress"] = running
        var live = record(.processing, .recording, options: fullOptions)
        live.node = "node-a"
        live.startedAt = started
        live.progress = JobProgress()
        live.progress?.recordedSeconds = 12.5
        live.progress?.maxDurationSeconds = 60
        all["liveProgress"] = live
        var waiting = record(.processing, .waiting)
        waiting.node = "node-a"
        waiting.startedAt = started
        waiting.attempt = 1
        waiting.downloadRetries = 1
        waiting.nextRetryAt = 1_700_000_009_000
        waiting.error = "HTTP Error 503"
        all["waitingRetry"] = waiting
        var done = record(.completed, .finished, options: fullOptions)
        done.folder = "shows/2026"
        done.node = "node-a"
        done.startedAt = started
        done.queueWaitMs = 100
        done.finishedAt = 1_700_000_003_000
        done.downloadRetries = 2
        done.attempt = 1
        done.result = fullResult
        all["completedAllFields"] = done
        var noResult = record(.completed, .finished)
        noResult.finishedAt = 1_700_000_003_000
        all["completedNoResult"] = noResult
        all["failedNoErrorType"] = record(.failed, .cancelled)
        var warning = record(.warning, .finished)
        warning.error = "The video is private."
        warning.node = "node-a"
        warning.finishedAt = 2_000
        all["warningNoErrorType"] = warning
        var skipped = record(.skipped, .finished)
        skipped.error = "no video"
        all["skippedNoErrorType"] = skipped
        return all
    }

    static func batch(_ statuses: [JobStatus], folder: String? = nil, jobFinish: Bool = true) -> StatusDocumentBatch {
        let batch = BatchRecord(
            id: batchID, source: "night run.json", claimName: nil, idempotencyKey: nil, folder: folder,
            createdAt: 1_700_000_000_000)
        let jobs = statuses.enumerated().map { i, s in
            var j = record(s, s.isTerminal ? .finished : .queued, id: "0190a0b0-0000-7000-8000-00000000001\(i)")
            j.position = i
            if s.isTerminal && jobFinish { j.finishedAt = 1_700_000_001_000 + Int64(i) }
            return j
        }
        return StatusDocumentBatch(batch: batch, jobs: jobs)
    }

    static let batches: [String: StatusDocumentBatch] = [
        "processing": batch([.pending, .processing, .completed], folder: "shows/2026"),
        "finishedFromJobs": batch([.completed, .warning, .failed, .skipped]),
        "finishedUnknown": batch([.failed], jobFinish: false),
    ]

    static func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

    @Test("job status files from records: byte for byte the expected documents")
    func jobFiles() throws {
        for (name, job) in Self.jobs {
            let expected = try #require(Self.expected["job." + name], "\(name)")
            #expect(Self.text(StatusProjection.encode(StatusProjection.job(job, paths: Self.paths))) == expected + "\n")
        }
    }

    @Test("batch status files from records: byte for byte the expected documents")
    func batchFiles() throws {
        for (name, item) in Self.batches {
            let expected = try #require(Self.expected["batch." + name], "\(name)")
            #expect(
                Self.text(StatusProjection.encode(StatusProjection.batch(item.batch, jobs: item.jobs))) == expected
                    + "\n")
        }
    }

    @Test("receipts: byte for byte the expected documents")
    func receipts() {
        let ids = ["0190a0b0-0000-7000-8000-000000000010", "0190a0b0-0000-7000-8000-000000000011"]
        let cached = Receipt(batchId: Self.batchID, jobIds: ids, source: "night run.json", cached: true)
        #expect(Self.text(StatusProjection.encode(cached)) == Self.expected["receipt.cached"].map { $0 + "\n" })
        let errors = [
            FieldError(field: "jobs[3].url", message: "only http and https URLs are accepted: \"ftp://x/y\""),
            FieldError(field: "clip_end", message: "must be greater than clip_start\n(5 ≥ 3)"),
        ]
        let rejected = ErrorReceipt(rejection: BatchRejection(errors: errors), source: "bad/one.json")
        #expect(Self.text(StatusProjection.encode(rejected)) == Self.expected["receipt.rejected"].map { $0 + "\n" })
        let control = ErrorReceipt(error: "no job or batch has the ID abc; second", source: "cancel/abc")
        #expect(Self.text(StatusProjection.encode(control)) == Self.expected["receipt.control"].map { $0 + "\n" })
    }

    @Test("a non-finite timing writes {} (JSONSerialization refused such a document too)")
    func nonFinite() {
        var job = Self.record(.completed, .finished)
        job.result = JobResult()
        job.result?.downloadSpeedMbps = .infinity
        #expect(Self.text(StatusProjection.encode(StatusProjection.job(job, paths: Self.paths))) == "{}\n")
    }

    @Test("a document holding a Double encodes and reads back")
    func doubles() throws {
        var job = Self.record(.processing, .recording)
        job.progress = JobProgress()
        job.progress?.recordedSeconds = 2.5
        let data = StatusProjection.encode(StatusProjection.job(job, paths: Self.paths))
        let back = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let progress = try #require(back["progress"] as? [String: Any])
        #expect(progress["recorded_s"] as? Double == 2.5)
        #expect(progress["max_duration_s"] is NSNull)
    }

    /// Bytes spool wrote for these records before its documents were typed (each one line of JSON;
    /// `\#` at a line's end joins it to the next), without the final newline.
    static let expected: [String: String] = [
        "job.pendingAllOptions": #"""
        {"audio_bitrate":"192k","audio_codec":"aac","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":"10.5","clip_start":"00:00:05","created_at":1700000000000,"download_subtitles":true,\#
        "download_thumbnail":true,"filename":"Ünïcode / name\t\u0001","folder":"shows/2026","format":"mkv",\#
        "id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":true,"live_recording":true,"max_duration":60,\#
        "max_resolution":"720","node":null,"quality_preset":"low","requested_quality":"low","schema_version":1,\#
        "status":"Pending","step":"Queued","url":"https://example.com/a/b?x=1&y=\"q\"","video_codec":"h264",\#
        "video_quality":20,"wait_for_video":true}
        """#,
        "job.pendingRetry": #"""
        {"attempt":2,"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_subtitles":false,"download_thumbnail":false,\#
        "filename":null,"folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000002","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","node":null,"original_job_id":"0190a0b0-0000-7000-8000-000000000001",\#
        "quality_preset":null,"requested_quality":"best","schema_version":1,"status":"Pending","step":"Queued",\#
        "url":"https://example.com/v/clip.mp4","video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "job.processingProgress": #"""
        {"attempt":1,"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_subtitles":false,"download_thumbnail":false,\#
        "filename":null,"folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","node":"node-a","progress":{"downloaded_bytes":1234567,\#
        "eta_s":3,"percent":42.5,"speed_bps":1536000.25,"total_bytes":2904863},"quality_preset":null,\#
        "queue_wait_ms":100,"requested_quality":"best","schema_version":1,"started_at":1700000000100,\#
        "status":"Processing","step":"Downloading","url":"https://example.com/v/clip.mp4","video_codec":"copy",\#
        "video_quality":23,"wait_for_video":false}
        """#,
        "job.liveProgress": #"""
        {"audio_bitrate":"192k","audio_codec":"aac","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":"10.5","clip_start":"00:00:05","created_at":1700000000000,"download_subtitles":true,\#
        "download_thumbnail":true,"filename":null,"folder":null,"format":"mkv","id":"0190a0b0-0000-7000-8000-000000000001",\#
        "live_from_start":true,"live_recording":true,"max_duration":60,"max_resolution":"720","node":"node-a","progress":{"max_duration_s":60,\#
        "recorded_s":12.5},"quality_preset":"low","requested_quality":"low","schema_version":1,"started_at":1700000000100,\#
        "status":"Processing","step":"Recording","url":"https://example.com/v/clip.mp4","video_codec":"h264",\#
        "video_quality":20,"wait_for_video":true}
        """#,
        "job.waitingRetry": #"""
        {"attempt":1,"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_subtitles":false,"download_thumbnail":false,\#
        "filename":null,"folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","next_retry_at":1700000009000,\#
        "node":"node-a","quality_preset":null,"requested_quality":"best","schema_version":1,"started_at":1700000000100,\#
        "status":"Processing","step":"Waiting","url":"https://example.com/v/clip.mp4","video_codec":"copy",\#
        "video_quality":23,"wait_for_video":false}
        """#,
        "job.completedAllFields": #"""
        {"actual_quality":"720p","attempt":1,"audio_bitrate":"192k","audio_codec":"aac","audio_only":false,\#
        "batch_id":"0190a0b0-0000-7000-8000-00000000000b","clip_end":"10.5","clip_start":"00:00:05",\#
        "created_at":1700000000000,"description":"Line one\nLine two\ttabbed \\ backslash \u0001",\#
        "download_duration_ms":2500,"download_retries":2,"download_speed_mbps":12,"download_subtitles":true,\#
        "download_thumbnail":true,"duration_s":1234.567,"file_size":305685123,"filename":null,"finished_at":1700000003000,\#
        "folder":"shows/2026","format":"mkv","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":true,\#
        "live_recording":true,"max_duration":60,"max_resolution":"720","mux_duration_ms":300,"native_audio_codec":"opus",\#
        "native_video_codec":"vp9","node":"node-a","note":"recorded from the live edge","output_audio_codec":"aac",\#
        "output_path":"out/shows/2026/Episode 1.mkv","output_video_codec":"h264","quality_preset":"low",\#
        "queue_wait_ms":100,"release_date":"2026-01-31","requested_quality":"low","s3_key":"shows/2026/Episode 1.mkv",\#
        "s3_url":"file:///srv/spool/out/shows/2026/Episode%201.mkv","schema_version":1,"started_at":1700000000100,\#
        "status":"Completed","step":"Finished","stopped_reason":"max_duration reached","subtitle_key":"shows/2026/Episode 1.en.vtt",\#
        "subtitle_keys":["shows/2026/Episode 1.en.vtt","shows/2026/Episode 1.de.vtt"],"subtitle_url":"file:///srv/spool/out/shows/2026/Episode%201.en.vtt",\#
        "thumbnail_key":"shows/2026/Episode 1.jpg","thumbnail_url":"file:///srv/spool/out/shows/2026/Episode%201.jpg",\#
        "title":"Episode \"1\" / the pilot","total_duration_ms":2900,"transcode_reason":"re-encoded for an accurate clip",\#
        "upload_duration_ms":0,"url":"https://example.com/v/clip.mp4","video_codec":"h264","video_quality":20,\#
        "wait_for_video":true}
        """#,
        "job.completedNoResult": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_retries":0,"download_subtitles":false,\#
        "download_thumbnail":false,"filename":null,"finished_at":1700000003000,"folder":null,"format":"mp4",\#
        "id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,"live_recording":false,\#
        "max_duration":null,"max_resolution":"best","node":null,"quality_preset":null,"requested_quality":"best",\#
        "schema_version":1,"status":"Completed","step":"Finished","url":"https://example.com/v/clip.mp4",\#
        "video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "job.failedNoErrorType": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_retries":0,"download_subtitles":false,\#
        "download_thumbnail":false,"error":null,"error_type":"error","filename":null,"finished_at":null,\#
        "folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","node":null,"quality_preset":null,"requested_quality":"best",\#
        "schema_version":1,"status":"Failed","step":"Cancelled","url":"https://example.com/v/clip.mp4",\#
        "video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "job.warningNoErrorType": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_retries":0,"download_subtitles":false,\#
        "download_thumbnail":false,"error":"The video is private.","error_type":"warning","filename":null,\#
        "finished_at":2000,"folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001",\#
        "live_from_start":false,"live_recording":false,"max_duration":null,"max_resolution":"best",\#
        "node":"node-a","quality_preset":null,"requested_quality":"best","schema_version":1,"status":"Warning","step":"Finished",\#
        "url":"https://example.com/v/clip.mp4","video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "job.skippedNoErrorType": #"""
        {"audio_bitrate":null,"audio_codec":"copy","audio_only":false,"batch_id":"0190a0b0-0000-7000-8000-00000000000b",\#
        "clip_end":null,"clip_start":null,"created_at":1700000000000,"download_retries":0,"download_subtitles":false,\#
        "download_thumbnail":false,"error":"no video","error_type":"warning","filename":null,"finished_at":null,\#
        "folder":null,"format":"mp4","id":"0190a0b0-0000-7000-8000-000000000001","live_from_start":false,\#
        "live_recording":false,"max_duration":null,"max_resolution":"best","node":null,"quality_preset":null,"requested_quality":"best",\#
        "schema_version":1,"status":"Skipped","step":"Finished","url":"https://example.com/v/clip.mp4",\#
        "video_codec":"copy","video_quality":23,"wait_for_video":false}
        """#,
        "batch.processing": #"""
        {"batch_id":"0190a0b0-0000-7000-8000-00000000000b","counts":{"Completed":1,"Failed":0,"Pending":1,\#
        "Processing":1,"Skipped":0,"Warning":0},"created_at":1700000000000,"folder":"shows/2026","job_ids":["0190a0b0-0000-7000-8000-000000000010",\#
        "0190a0b0-0000-7000-8000-000000000011","0190a0b0-0000-7000-8000-000000000012"],"progress":33,\#
        "schema_version":1,"source":"night run.json","status":"processing","total_jobs":3}
        """#,
        "batch.finishedFromJobs": #"""
        {"batch_id":"0190a0b0-0000-7000-8000-00000000000b","counts":{"Completed":1,"Failed":1,"Pending":0,\#
        "Processing":0,"Skipped":1,"Warning":1},"created_at":1700000000000,"finished_at":1700000001003,\#
        "folder":null,"job_ids":["0190a0b0-0000-7000-8000-000000000010","0190a0b0-0000-7000-8000-000000000011",\#
        "0190a0b0-0000-7000-8000-000000000012","0190a0b0-0000-7000-8000-000000000013"],"progress":100,\#
        "schema_version":1,"source":"night run.json","status":"finished","total_jobs":4}
        """#,
        "batch.finishedUnknown": #"""
        {"batch_id":"0190a0b0-0000-7000-8000-00000000000b","counts":{"Completed":0,"Failed":1,"Pending":0,\#
        "Processing":0,"Skipped":0,"Warning":0},"created_at":1700000000000,"finished_at":null,"folder":null,\#
        "job_ids":["0190a0b0-0000-7000-8000-000000000010"],"progress":100,"schema_version":1,"source":"night run.json",\#
        "status":"finished","total_jobs":1}
        """#,
        "receipt.cached": #"""
        {"batch_id":"0190a0b0-0000-7000-8000-00000000000b","cached":true,"job_ids":["0190a0b0-0000-7000-8000-000000000010",\#
        "0190a0b0-0000-7000-8000-000000000011"],"source":"night run.json","total_jobs":2}
        """#,
        "receipt.rejected": #"""
        {"error":"2 problems in batch file","errors":[{"field":"jobs[3].url","message":"only http and https URLs are accepted: \"ftp://x/y\""},\#
        {"field":"clip_end","message":"must be greater than clip_start\n(5 ≥ 3)"}],"source":"bad/one.json"}
        """#,
        "receipt.control": #"""
        {"error":"no job or batch has the ID abc; second","source":"cancel/abc"}
        """#,
    ]
}

/// A batch record with its jobs, in position order.
struct StatusDocumentBatch: Sendable {
    var batch: BatchRecord
    var jobs: [JobRecord]
}
