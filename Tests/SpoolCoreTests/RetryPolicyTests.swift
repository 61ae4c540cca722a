import Testing

@testable import SpoolCore

@Suite("RetryPolicy")
struct RetryPolicyTests {
    @Test("retries are allowed until `maxRetries` have been made")
    func allowsRetry() {
        let policy = RetryPolicy(maxRetries: 2, baseDelay: 1)
        #expect(policy.allowsRetry(after: 0))
        #expect(policy.allowsRetry(after: 1))
        #expect(!policy.allowsRetry(after: 2))
        #expect(!RetryPolicy(maxRetries: 0, baseDelay: 1).allowsRetry(after: 0))
    }

    @Test(
        "backoff doubles per retry and is scaled by the jitter",
        arguments: [
            (1, 1.0, 2.0), (2, 1.0, 4.0), (3, 1.0, 8.0), (3, 0.5, 4.0), (0, 1.0, 2.0), (4, 0.75, 12.0),
        ])
    func delay(retry: Int, jitter: Double, seconds: Double) {
        #expect(RetryPolicy(maxRetries: 5, baseDelay: 2).delay(forRetry: retry, jitter: jitter) == seconds)
    }

    @Test("random jitter keeps the delay between half and all of the unjittered one")
    func jitterRange() {
        let policy = RetryPolicy(maxRetries: 5, baseDelay: 1)
        for _ in 0..<200 {
            let d = policy.delay(forRetry: 3)
            #expect(d >= 2 && d <= 4)
        }
    }

    @Test("next_retry_at is now plus the delay in whole milliseconds")
    func retryAt() {
        #expect(RetryPolicy.retryAt(now: 10_000, after: 1.5) == 11_500)
        #expect(RetryPolicy.retryAt(now: 10_000, after: 0.0109) == 10_010)
    }

    @Test("wait_for_video: polls grow from 2 s, never beyond the time left, and stop at the limit")
    func startPoll() {
        let policy = RetryPolicy(maxRetries: 3, baseDelay: 2, waitForVideoLimit: 10)
        #expect(policy.startPollAt(now: 0, poll: 1, waitedSeconds: 0) == 2_000)
        #expect(policy.startPollAt(now: 0, poll: 2, waitedSeconds: 2) == 3_000)
        // 1 s left: the poll is shortened to it; 0.2 s left: never shorter than 0.5 s.
        #expect(policy.startPollAt(now: 0, poll: 5, waitedSeconds: 9) == 1_000)
        #expect(policy.startPollAt(now: 0, poll: 5, waitedSeconds: 9.8) == 500)
        #expect(policy.startPollAt(now: 0, poll: 5, waitedSeconds: 10) == nil)
        #expect(policy.startPollAt(now: 0, poll: 5, waitedSeconds: 11) == nil)
    }
}
