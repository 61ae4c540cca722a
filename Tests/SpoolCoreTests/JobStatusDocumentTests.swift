import Foundation
import Testing

@testable import SpoolCore

/// Job status documents in every state, encoded and compared with the bytes the JSONSerialization-based
/// encoder wrote before the documents were typed (`StatusGoldens`).
@Suite("JobStatusDocument")
struct JobStatusDocumentTests {
    static let batchID = "0190a0b0-0000-7000-8000-00000000000b"
    static let started: Int64 = 1_700_000_000_100

    static func doc(
        _ status: JobStatus, _ step: JobStep, id: String = "0190a0b0-0000-7000-8000-000000000001",
        options: JobOptions = JobOptions()
    ) -> JobStatusDocument {
        JobStatusDocument(
            id: id, batchId: batchID, url: "https://example.com/v/clip.mp4", status: status, step: step,
            createdAt: 1_700_000_000_000, folder: nil, filename: nil, options: options)
    }

    static var fullOptions: JobOptions {
        JobOptions(
            format: "mkv", videoCodec: "h264", audioCodec: "aac", audioBitrate: "192k", videoQuality: 20,
            audioOnly: false, downloadSubtitles: true, downloadThumbnail: true, qualityPreset: "low",
            maxResolution: "720", clipStart: "00:00:05", clipEnd: "10.5", liveRecording: true, liveFromStart: true,
            maxDuration: 60, waitForVideo: true)
    }

    static var fullResult: JobStatusDocument.CompletedResult {
        let out = "file:///srv/spool/out/shows/2026/Episode%201"
        var r = JobStatusDocument.CompletedResult()
        r.s3Key = "shows/2026/Episode 1.mkv"
        r.s3Url = out + ".mkv"
        r.outputPath = "out/shows/2026/Episode 1.mkv"
        r.subtitleKey = "shows/2026/Episode 1.en.vtt"
        r.subtitleKeys = ["shows/2026/Episode 1.en.vtt", "shows/2026/Episode 1.de.vtt"]
        r.subtitleUrl = out + ".en.vtt"
        r.thumbnailKey = "shows/2026/Episode 1.jpg"
        r.thumbnailUrl = out + ".jpg"
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

    /// The documents of `StatusGoldens.jobs`, by name.
    static var documents: [String: JobStatusDocument] {
        var all: [String: JobStatusDocument] = ["pending": doc(.pending, .queued)]
        var full = doc(.pending, .queued, options: fullOptions)
        full.filename = "Ünïcode / name\t\u{1}"
        full.folder = "shows/2026"
        full.url = "https://example.com/a/b?x=1&y=\"q\""
        all["pendingAllOptions"] = full
        var retry = doc(.pending, .queued, id: "0190a0b0-0000-7000-8000-000000000002")
        retry.originalJobId = "0190a0b0-0000-7000-8000-000000000001"
        retry.attempt = 2
        all["pendingRetry"] = retry
        var running = doc(.processing, .downloading)
        running.node = "node-a"
        running.startedAt = started
        running.queueWaitMs = 100
        all["processing"] = running
        var progress = running
        progress.attempt = 1
        progress.progress = .init(
            percent: 42.5, downloadedBytes: 1_234_567, totalBytes: 2_904_863, speedBps: 1_536_000.25, etaSeconds: 3)
        all["processingProgress"] = progress
        var partial = running
        partial.progress = .init(percent: 50)
        all["processingPartialProgress"] = partial
        var live = doc(.processing, .recording, options: fullOptions)
        live.node = "node-a"
        live.startedAt = started
        live.progress = .init(recordedSeconds: 12.5, maxDurationSeconds: 60)
        all["liveProgress"] = live
        live.progress = .init(recordedSeconds: 0)
        all["liveProgressNoCap"] = live
        var waiting = doc(.processing, .waiting)
        waiting.node = "node-a"
        waiting.startedAt = started
        waiting.attempt = 1
        waiting.nextRetryAt = 1_700_000_009_000
        all["waitingRetry"] = waiting
        for (name, document) in finished { all[name] = document }
        return all
    }

    /// The terminal documents of `documents`.
    static var finished: [String: JobStatusDocument] {
        var all: [String: JobStatusDocument] = [:]
        var done = doc(.completed, .finished, options: fullOptions)
        done.folder = "shows/2026"
        done.node = "node-a"
        done.startedAt = started
        done.queueWaitMs = 100
        done.attempt = 1
        done.finish = .init(finishedAt: 1_700_000_003_000, downloadRetries: 2)
        done.result = fullResult
        all["completedAllFields"] = done
        var bare = doc(.completed, .finished)
        bare.finish = .init(finishedAt: nil, downloadRetries: 0)
        bare.result = .init()
        all["completedNoFields"] = bare
        var noResult = doc(.completed, .finished)
        noResult.finish = .init(finishedAt: 1_700_000_003_000, downloadRetries: 0)
        all["completedNoResult"] = noResult
        var fraction = bare
        fraction.result?.durationSeconds = 0.1
        fraction.result?.downloadSpeedMbps = 1e-7
        all["completedFractions"] = fraction
        var failed = doc(.failed, .downloading)
        failed.node = "node-a"
        failed.finish = .init(finishedAt: 1_700_000_000_500, downloadRetries: 3)
        failed.failure = .init(error: "ERROR: HTTP Error 500", errorType: .error)
        all["failed"] = failed
        var cancelled = doc(.failed, .cancelled)
        cancelled.finish = .init(finishedAt: nil, downloadRetries: 0)
        cancelled.failure = .init(error: nil, errorType: .error)
        all["failedNoErrorType"] = cancelled
        cancelled.failure?.errorType = .warning
        all["failedWarningType"] = cancelled
        var warning = doc(.warning, .finished)
        warning.node = "node-a"
        warning.finish = .init(finishedAt: 2_000, downloadRetries: 0)
        warning.failure = .init(error: "The video is private.", errorType: .warning)
        all["warning"] = warning
        all["warningNoErrorType"] = warning  // the projection filled in error_type
        var skipped = doc(.skipped, .finished)
        skipped.finish = .init(finishedAt: nil, downloadRetries: 0)
        skipped.failure = .init(error: "no video", errorType: .warning)
        all["skippedNoErrorType"] = skipped
        skipped.failure?.errorType = .error
        all["skippedErrorType"] = skipped
        return all
    }

    @Test("every job state encodes to the bytes written before the documents were typed")
    func goldens() throws {
        let documents = Self.documents
        #expect(Set(documents.keys) == Set(StatusGoldens.jobs.keys))
        for (name, document) in documents {
            let bytes = try StatusJSONEncoder.encode(document)
            #expect(String(decoding: bytes, as: UTF8.self) == StatusGoldens.jobs[name].map { $0 + "\n" }, "\(name)")
        }
    }

    @Test("a non-finite timing is refused, as JSONSerialization refused it")
    func nonFinite() {
        var doc = Self.finished["completedNoFields"]!
        doc.result?.downloadSpeedMbps = .infinity
        #expect(throws: EncodingError.self) { try StatusJSONEncoder.encode(doc) }
        doc.result?.downloadSpeedMbps = .nan
        #expect(throws: EncodingError.self) { try StatusJSONEncoder.encode(doc) }
    }

    @Test("every job state decodes back to the same document")
    func roundTrip() throws {
        for (name, document) in Self.documents {
            let decoded = try JSONDecoder().decode(JobStatusDocument.self, from: try StatusJSONEncoder.encode(document))
            #expect(decoded == document, "\(name)")
        }
    }

    @Test("null and absent keys stay apart: unknown values are null, what does not apply is absent")
    func nullVersusAbsent() throws {
        func object(_ name: String) throws -> [String: Any] {
            let data = try StatusJSONEncoder.encode(try #require(Self.documents[name]))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let pending = try object("pending")
        for key in [
            "folder", "filename", "audio_bitrate", "quality_preset", "clip_start", "clip_end", "max_duration", "node",
        ] {
            #expect(pending[key] is NSNull, "\(key)")
        }
        for key in ["attempt", "started_at", "progress", "finished_at", "download_retries", "error", "s3_key"] {
            #expect(pending[key] == nil, "\(key)")
        }
        let cancelled = try object("failedNoErrorType")
        #expect(cancelled["finished_at"] is NSNull)
        #expect(cancelled["error"] is NSNull)
        #expect(cancelled["s3_key"] == nil)
        let bare = try object("completedNoFields")
        #expect(bare["s3_url"] is NSNull)
        #expect(bare["note"] == nil)
        #expect(bare["error"] == nil)
    }
}
