import Testing

@testable import SpoolCore

/// The fields a transition sets, without a database: the core's own stand-in for a store's record.
struct TestJob: JobLifecycle, Equatable {
    var state: JobState
    var downloadRetries = 0
    var finishedAt: Int64?
    var nextRetryAt: Int64?
    var error: String?
    var errorType: ErrorType?
    var result: JobResult?
    var progress: JobProgress?
    var node: String?

    /// A job in the middle of an attempt, with progress reported.
    static var running: TestJob {
        var job = TestJob(state: JobState(status: .processing, step: .downloading))
        job.progress = JobProgress(percent: 40)
        return job
    }
}

@Suite("Job transition mutators")
struct JobLifecycleTests {
    @Test("complete: Completed/Finished with the result and finished_at; progress cleared")
    func complete() throws {
        var job = TestJob.running
        var result = JobResult()
        result.s3Key = "a.mp4"
        try job.complete(result: result, at: 5_000)
        var expected = TestJob(state: JobState(status: .completed, step: .finished))
        expected.result = result
        expected.finishedAt = 5_000
        #expect(job == expected)
    }

    @Test("scheduleRetry: Processing/Waiting, one retry more, next_retry_at and the failure's message")
    func scheduleRetry() throws {
        var job = TestJob.running
        job.downloadRetries = 1
        try job.scheduleRetry(at: 9_000, message: "HTTP 5xx")
        var expected = TestJob(state: JobState(status: .processing, step: .waiting))
        expected.downloadRetries = 2
        expected.nextRetryAt = 9_000
        expected.error = "HTTP 5xx"
        #expect(job == expected)
    }

    @Test("scheduleStartPoll: Processing/Waiting until the next look; retries and error untouched")
    func scheduleStartPoll() throws {
        var job = TestJob.running
        job.error = "earlier"
        try job.scheduleStartPoll(at: 7_000)
        var expected = TestJob(state: JobState(status: .processing, step: .waiting))
        expected.nextRetryAt = 7_000
        expected.error = "earlier"
        #expect(job == expected)
    }

    @Test(
        "fail: Failed or Warning by type, with error, error_type, finished_at; no retry pending",
        arguments: [
            (ErrorType.error, JobStatus.failed), (.warning, .warning),
        ])
    func fail(type: ErrorType, status: JobStatus) throws {
        var job = TestJob.running
        job.nextRetryAt = 1
        try job.fail(type, message: "boom", at: 6_000)
        var expected = TestJob(state: JobState(status: status, step: .finished))
        expected.error = "boom"
        expected.errorType = type
        expected.finishedAt = 6_000
        #expect(job == expected)
    }

    @Test("skip: Skipped/Finished with a warning")
    func skip() throws {
        var job = TestJob.running
        try job.skip(message: "no audio", at: 6_000)
        var expected = TestJob(state: JobState(status: .skipped, step: .finished))
        expected.error = "no audio"
        expected.errorType = .warning
        expected.finishedAt = 6_000
        #expect(job == expected)
    }

    @Test(
        "cancel: Failed/Cancelled from queued, waiting or running, with the user's message",
        arguments: [
            JobState.queued, JobState(status: .processing, step: .waiting),
            JobState(status: .processing, step: .muxing),
        ])
    func cancel(from: JobState) throws {
        var job = TestJob(state: from)
        job.nextRetryAt = 3_000
        job.progress = JobProgress(percent: 1)
        try job.cancel(at: 6_000)
        var expected = TestJob(state: JobState(status: .failed, step: .cancelled))
        expected.error = "Job cancelled by user"
        expected.errorType = .error
        expected.finishedAt = 6_000
        #expect(job == expected)
    }

    @Test("requeue: back to Pending/Queued with nothing pending and no verdict")
    func requeue() throws {
        var job = TestJob.running
        job.downloadRetries = 2
        try job.requeue()
        var expected = TestJob(state: .queued)
        expected.downloadRetries = 2
        #expect(job == expected)
    }

    @Test("requeue clears the node that ran the attempt; every other mutator keeps it")
    func node() throws {
        let mutations: [(String, (inout TestJob) throws -> Void)] = [
            ("complete", { try $0.complete(result: JobResult(), at: 2) }),
            ("scheduleRetry", { try $0.scheduleRetry(at: 9, message: "x") }),
            ("scheduleStartPoll", { try $0.scheduleStartPoll(at: 9) }),
            ("fail", { try $0.fail(.error, message: "x", at: 2) }),
            ("skip", { try $0.skip(message: "x", at: 2) }),
            ("cancel", { try $0.cancel(at: 2) }),
            ("reach", { try $0.reach(.muxing) }),
        ]
        for (name, mutate) in mutations {
            var job = TestJob.running
            job.node = "node-a"
            try mutate(&job)
            #expect(job.node == "node-a", "\(name)")
        }
        var job = TestJob.running
        job.node = "node-a"
        try job.requeue()
        #expect(job.state == .queued && job.node == nil)
    }

    @Test("reach: a new step; progress kept only while downloading")
    func reach() throws {
        var job = TestJob.running
        try job.reach(.downloading)
        #expect(job.progress == JobProgress(percent: 40))
        try job.reach(.muxing)
        #expect(job.state == JobState(status: .processing, step: .muxing))
        #expect(job.progress == nil)
    }

    @Test("every mutator refuses a finished job and changes nothing")
    func terminalRefusesAll() {
        var done = TestJob(state: JobState(status: .completed, step: .finished))
        done.finishedAt = 1
        let mutations: [(String, (inout TestJob) throws -> Void)] = [
            ("complete", { try $0.complete(result: JobResult(), at: 2) }),
            ("scheduleRetry", { try $0.scheduleRetry(at: 2, message: "x") }),
            ("scheduleStartPoll", { try $0.scheduleStartPoll(at: 2) }),
            ("fail", { try $0.fail(.error, message: "x", at: 2) }),
            ("skip", { try $0.skip(message: "x", at: 2) }),
            ("cancel", { try $0.cancel(at: 2) }),
            ("requeue", { try $0.requeue() }),
            ("reach", { try $0.reach(.muxing) }),
        ]
        for (name, mutate) in mutations {
            var job = done
            #expect(throws: IllegalTransition.self, "\(name)") { try mutate(&job) }
            #expect(job == done, "\(name) changed a refused job")
        }
    }

    @Test("a queued job cannot complete, fail, skip or wait for a retry")
    func queuedRefuses() {
        var job = TestJob(state: .queued)
        #expect(throws: IllegalTransition(from: .queued, event: .complete)) {
            try job.complete(result: JobResult(), at: 1)
        }
        #expect(throws: IllegalTransition(from: .queued, event: .retryScheduled)) {
            try job.scheduleRetry(at: 1, message: "x")
        }
        #expect(throws: IllegalTransition(from: .queued, event: .fail(.error))) {
            try job.fail(.error, message: "x", at: 1)
        }
        #expect(throws: IllegalTransition(from: .queued, event: .skip)) { try job.skip(message: "x", at: 1) }
        #expect(job == TestJob(state: .queued))
    }
}
