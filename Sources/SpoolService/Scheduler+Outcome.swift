import Logging
import SpoolCore
import SpoolPipeline
import SpoolStore

extension Scheduler {
    /// The job after its attempt ended with `outcome`: what the store is to hold. Pure (no store, no
    /// files, no actor state): the scheduler passes what it knows about the attempt.
    ///
    /// Throws, and the scheduler saves nothing, when the state machine refuses the outcome (the job
    /// was changed meanwhile).
    static func settled(
        _ job: JobRecord, outcome: JobOutcome, now: Int64, policy: RetryPolicy, userCancelled: Bool,
        shuttingDown: Bool, logger: Logger
    ) throws(IllegalTransition) -> JobRecord {
        var job = job
        switch outcome {
        case .completed(let result, _):
            try job.complete(result: result, at: now)
        case .failed(let failure) where failure.awaitingStart:
            // wait_for_video: the stream is not up yet; look again later, up to the limit (folder-contract §3).
            let waited = Double(now - (job.startedAt ?? now)) / 1000
            if let pollAt = policy.startPollAt(now: now, poll: job.attempt, waitedSeconds: waited) {
                try job.scheduleStartPoll(at: pollAt)
            } else {
                try job.fail(
                    .error, message: LivePlan.waitLimitMessage(limitSeconds: policy.waitForVideoLimit), at: now)
            }
        case .failed(let failure):
            if failure.retryable && policy.allowsRetry(after: job.downloadRetries) && !shuttingDown {
                let delay = policy.delay(forRetry: job.downloadRetries + 1)
                try job.scheduleRetry(at: RetryPolicy.retryAt(now: now, after: delay), message: failure.message)
                logger.info(
                    "job will be retried",
                    metadata: ["job.id": "\(job.id)", "retry": "\(job.downloadRetries)", "delay_s": "\(delay)"])
            } else {
                try job.fail(failure.type, message: failure.message, at: now)
            }
        case .skipped(let message):
            try job.skip(message: message, at: now)
        case .cancelled:
            // A user's cancel ends the job; a shutdown puts it back in the queue, not Failed (folder-contract §8).
            if userCancelled { try job.cancel(at: now) } else { try job.requeue() }
        }
        return job
    }
}
