import Foundation
import Logging
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolPipeline
@testable import SpoolService

/// `Scheduler.settled`: what each attempt outcome does to the job, without a store or a running scheduler.
@Suite("Scheduler: attempt outcomes")
struct SchedulerOutcomeTests {
    static let logger = Logger(label: "spool.tests", factory: { _ in SwiftLogNoOpLogHandler() })
    static let policy = RetryPolicy(maxRetries: 2, baseDelay: 10, waitForVideoLimit: 60)
    static let now: Int64 = 100_000

    /// A job in its first attempt, started 30 s ago.
    static func running(attempt: Int = 1, retries: Int = 0) -> JobRecord {
        var job = JobRecord(
            id: "j1", batchId: "b1", position: 0, url: "https://example.com/v", filename: nil, folder: nil,
            options: JobOptions(), createdAt: 1_000)
        job.state = JobState(status: .processing, step: .muxing)
        job.attempt = attempt
        job.downloadRetries = retries
        job.startedAt = now - 30_000
        job.progress = JobProgress(percent: 50)
        return job
    }

    static func settle(
        _ outcome: JobOutcome, job: JobRecord = running(), userCancelled: Bool = false, shuttingDown: Bool = false
    ) throws -> JobRecord {
        try Scheduler.settled(
            job, outcome: outcome, now: now, policy: policy, userCancelled: userCancelled,
            shuttingDown: shuttingDown, logger: logger)
    }

    static let retryable = FailureClass(message: "HTTP 5xx", type: .error, retryable: true)

    @Test("completed: Completed/Finished with the result")
    func completed() throws {
        var result = JobResult()
        result.s3Key = "v.mp4"
        let job = try Self.settle(
            .completed(result, PublishedOutput(OutputPublisher.Publication(keys: ["v.mp4"], stagePaths: []))))
        #expect(job.state == JobState(status: .completed, step: .finished))
        #expect(job.result == result && job.finishedAt == Self.now && job.progress == nil)
    }

    @Test("a retryable failure with retries left waits for its backoff (base · 2^(n−1) · 0.5…1)")
    func retry() throws {
        let job = try Self.settle(.failed(Self.retryable), job: Self.running(retries: 1))
        #expect(job.state == JobState(status: .processing, step: .waiting))
        #expect(job.downloadRetries == 2 && job.error == "HTTP 5xx" && job.errorType == nil)
        let at = try #require(job.nextRetryAt)
        #expect(at >= Self.now + 10_000 && at <= Self.now + 20_000)
        #expect(job.finishedAt == nil && job.progress == nil)
    }

    @Test("no retry when they are used up or the service is stopping: Failed with the message")
    func noRetry() throws {
        for job in [
            try Self.settle(.failed(Self.retryable), job: Self.running(retries: 2)),
            try Self.settle(.failed(Self.retryable), shuttingDown: true),
        ] {
            #expect(job.state == JobState(status: .failed, step: .finished))
            #expect(job.error == "HTTP 5xx" && job.errorType == .error && job.finishedAt == Self.now)
            #expect(job.nextRetryAt == nil)
        }
    }

    @Test("a content failure ends Warning, never retried")
    func warning() throws {
        let job = try Self.settle(.failed(FailureClass(message: "private", type: .warning, retryable: false)))
        #expect(job.state == JobState(status: .warning, step: .finished))
        #expect(job.errorType == .warning && job.downloadRetries == 0)
    }

    @Test("wait_for_video: looked at again within the limit (not a retry), then Failed naming the limit")
    func awaitingStart() throws {
        var notUp = FailureClass(message: "not live yet", type: .error, retryable: false)
        notUp.awaitingStart = true
        let waiting = try Self.settle(.failed(notUp), job: Self.running(attempt: 2))
        #expect(waiting.state == JobState(status: .processing, step: .waiting))
        #expect(waiting.nextRetryAt == Self.now + 3_000)  // poll 2: 2 s · 1.5
        #expect(waiting.downloadRetries == 0 && waiting.error == nil)
        var late = Self.running(attempt: 9)
        late.startedAt = Self.now - 60_000
        let failed = try Self.settle(.failed(notUp), job: late)
        #expect(failed.state == JobState(status: .failed, step: .finished))
        #expect(failed.error == LivePlan.waitLimitMessage(limitSeconds: 60) && failed.errorType == .error)
    }

    @Test("skipped ends Skipped with a warning")
    func skipped() throws {
        let job = try Self.settle(.skipped("no audio"))
        #expect(job.state == JobState(status: .skipped, step: .finished))
        #expect(job.error == "no audio" && job.errorType == .warning && job.finishedAt == Self.now)
    }

    @Test("cancelled: a user's cancel ends it Failed/Cancelled, a shutdown puts it back in the queue")
    func cancelled() throws {
        let cancelled = try Self.settle(.cancelled, userCancelled: true)
        #expect(cancelled.state == JobState(status: .failed, step: .cancelled))
        #expect(cancelled.error == "Job cancelled by user" && cancelled.errorType == .error)
        let requeued = try Self.settle(.cancelled)
        #expect(requeued.state == .queued)
        #expect(requeued.error == nil && requeued.finishedAt == nil && requeued.progress == nil)
    }

    @Test("a job that ended meanwhile refuses every outcome")
    func terminalRefuses() {
        var done = Self.running()
        done.state = JobState(status: .failed, step: .cancelled)
        let outcomes: [JobOutcome] = [
            .completed(JobResult(), PublishedOutput(OutputPublisher.Publication(keys: [], stagePaths: []))),
            .failed(Self.retryable),
            .skipped("x"), .cancelled,
        ]
        for outcome in outcomes {
            #expect(throws: IllegalTransition.self) { try Self.settle(outcome, job: done) }
        }
    }
}
