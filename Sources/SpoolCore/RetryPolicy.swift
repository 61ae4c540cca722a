import Foundation

/// When a job that did not finish gets another attempt: technical failures retry with exponential
/// backoff and jitter, and a `wait_for_video` stream that is not up yet is looked at again until the
/// wait limit (folder-contract §3).
package struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt (`retries` in the configuration).
    package var maxRetries: Int
    /// Seconds before the first retry; each later one waits twice as long (before jitter).
    package var baseDelay: Double
    /// Seconds a `wait_for_video` job waits for its stream to start, from its first attempt.
    package var waitForVideoLimit: Double

    package init(maxRetries: Int, baseDelay: Double, waitForVideoLimit: Double = 21_600) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.waitForVideoLimit = waitForVideoLimit
    }

    /// Whether a retryable failure after `retriesSoFar` retries gets another one.
    package func allowsRetry(after retriesSoFar: Int) -> Bool { retriesSoFar < maxRetries }

    /// Seconds before retry number `retry` (1-based): base · 2^(retry−1), scaled by a random 0.5…1.0.
    package func delay(forRetry retry: Int, jitter: Double = Double.random(in: 0.5...1.0)) -> Double {
        baseDelay * pow(2, Double(max(0, retry - 1))) * jitter
    }

    /// `next_retry_at` (ms) of a retry that waits `delay` seconds from `now` (ms).
    package static func retryAt(now: Int64, after delay: Double) -> Int64 { now + Int64(delay * 1000) }

    /// When to look again for a `wait_for_video` stream, after `poll` looks and `waitedSeconds` of
    /// waiting; nil once the wait limit is reached (the job then fails).
    package func startPollAt(now: Int64, poll: Int, waitedSeconds: Double) -> Int64? {
        let remaining = waitForVideoLimit - waitedSeconds
        guard remaining > 0 else { return nil }
        return Self.retryAt(now: now, after: LivePlan.pollDelay(poll: poll, remaining: remaining))
    }
}
