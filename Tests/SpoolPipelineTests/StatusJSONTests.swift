import Foundation
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolService

/// `StatusJSON` is the fast encoder of the ingest path; its bytes must be exactly what
/// `StatusProjection.encode` (JSONSerialization, sorted keys) writes for the same document.
@Suite("StatusJSON")
struct StatusJSONTests {
    let paths = SpoolPaths(root: "/srv/spool", configuration: .defaults)

    func job(_ status: JobStatus, step: JobStep, options: JobOptions = JobOptions()) -> JobRecord {
        var j = JobRecord(
            id: SpoolID.make(), batchId: SpoolID.make(), position: 3, url: "https://example.com/a/b?x=1&y=\"q\"",
            filename: "Ünïcode / name\t\u{1}", folder: "shows/2026", options: options, createdAt: 1_700_000_000_000)
        j.status = status
        j.step = step
        return j
    }

    func documents() -> [[String: Any]] {
        var options = JobOptions()
        options.format = "mkv"
        options.maxDuration = 60
        options.clipStart = "00:00:05"
        var failed = job(.failed, step: .cancelled)
        failed.error = "Job cancelled by user"
        failed.errorType = .error
        failed.finishedAt = 1_700_000_000_500
        failed.attempt = 2
        var running = job(.processing, step: .downloading, options: options)
        running.startedAt = 1_700_000_000_100
        running.queueWaitMs = 100
        running.nextRetryAt = 1_700_000_009_000
        var done = job(.completed, step: .finished)
        var result = JobResult()
        result.s3Key = "shows/2026/name.mp4"
        result.subtitleKeys = ["shows/2026/name.en.vtt", "shows/2026/name.de.vtt"]
        result.fileSize = 305_685
        result.downloadDurationMs = 2_500
        result.note = "recorded from the live edge"
        done.result = result
        done.finishedAt = 1_700_000_003_000
        let batch = BatchRecord(
            id: SpoolID.make(), source: "night.json", claimName: nil, idempotencyKey: nil, folder: nil,
            createdAt: 1_700_000_000_000)
        return [
            StatusProjection.job(job(.pending, step: .queued), paths: paths),
            StatusProjection.job(running, paths: paths),
            StatusProjection.job(failed, paths: paths),
            StatusProjection.job(done, paths: paths),
            StatusProjection.batch(batch, jobs: [job(.pending, step: .queued), failed, done]),
            ["batch_id": batch.id, "total_jobs": 2, "job_ids": [SpoolID.make(), SpoolID.make()], "source": "a.json",
             "cached": true],
            ["error": "2 problems in batch file", "source": "b.json",
             "errors": [["field": "jobs[3].url", "message": "only http and https URLs are accepted"],
                        ["field": "clip_end", "message": "must be greater than clip_start"]]],
        ]
    }

    @Test("byte for byte the same as JSONSerialization with sorted keys")
    func sameBytes() {
        for doc in documents() {
            let fast = StatusJSON.encode(doc)
            let reference = StatusProjection.encode(doc)
            #expect(fast == reference, "\(String(decoding: fast, as: UTF8.self))")
        }
    }

    @Test("a document holding a Double still encodes (through JSONSerialization)")
    func doubles() throws {
        let doc: [String: Any] = ["progress": ["recorded_s": 2.5, "max_duration_s": NSNull()], "id": "x"]
        let data = StatusJSON.encode(doc)
        let back = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((back["progress"] as? [String: Any])?["recorded_s"] as? Double == 2.5)
    }
}
