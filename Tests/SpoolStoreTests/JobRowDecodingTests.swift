import Foundation
import GRDB
import SpoolCore
import Testing

@testable import SpoolStore

/// `JobRecord.init(row:)` reads columns by hand and `createBatch` inserts new jobs with one statement;
/// both must round-trip every field exactly as the Codable path did.
@Suite("Store: job rows")
struct JobRowDecodingTests {
    func everyField(batchID: String) -> JobRecord {
        var options = JobOptions(format: "mkv", videoCodec: "h264", audioBitrate: "128k", qualityPreset: "high")
        options.clipStart = "00:00:01"
        options.maxDuration = 30
        options.waitForVideo = true
        var job = JobRecord(
            id: SpoolID.make(), batchId: batchID, position: 7, url: "https://example.com/é?a=1", filename: "név",
            folder: "a/b", options: options, createdAt: 1_000, originalJobId: SpoolID.make())
        job.status = .completed
        job.step = .finished
        job.attempt = 2
        job.downloadRetries = 1
        job.startedAt = 1_100
        job.finishedAt = 1_900
        job.nextRetryAt = 1_500
        job.queueWaitMs = 100
        job.error = "earlier error"
        job.errorType = .warning
        var result = JobResult()
        result.s3Key = "a/b/név.mkv"
        result.subtitleKeys = ["a/b/név.en.vtt"]
        result.durationSeconds = 6.02
        result.fileSize = 1234
        result.stoppedReason = "max_duration"
        job.result = result
        job.progress = JobProgress(recordedSeconds: 3.5, maxDurationSeconds: 30)
        job.node = "node-a.example"
        return job
    }

    @Test("a job with every column set reads back equal")
    func everyColumn() throws {
        let store = try makeMemoryStore()
        let batch = makeBatch()
        let job = everyField(batchID: batch.id)
        _ = try store.createBatch(batch, jobs: [job])
        #expect(try store.job(id: job.id) == job)
    }

    @Test("fresh jobs inserted by createBatch read back equal, with options decoded once per distinct text")
    func freshJobs() throws {
        let store = try makeMemoryStore()
        let batch = makeBatch()
        var jobs = makeJobs(batchID: batch.id, count: 50, options: JobOptions(format: "webm", audioOnly: false))
        jobs[3].options.maxDuration = 5  // one job with other options
        _ = try store.createBatch(batch, jobs: jobs)
        #expect(try store.jobs(batchID: batch.id) == jobs)
    }

    @Test("an unknown status in the database is an error, not a crash")
    func unknownStatus() throws {
        let queue = try DatabaseQueue()
        let store = try Store(writer: queue)
        let batch = makeBatch()
        let jobs = makeJobs(batchID: batch.id, count: 1)
        _ = try store.createBatch(batch, jobs: jobs)
        try queue.write { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE job SET status = 'Bogus'")
        }
        #expect(throws: (any Error).self) { try store.job(id: jobs[0].id) }
    }
}
