import SpoolCore

/// The pure parts of scheduling: the round-robin cursor (and the retry delay, now `RetryPolicy`'s).
package enum RoundRobin {
    /// The batch after `last` in `order` (cyclic); the first one when `last` is unknown.
    package static func next(after last: String?, in order: [String]) -> String? {
        guard !order.isEmpty else { return nil }
        guard let last, let index = order.firstIndex(of: last) else { return order[0] }
        return order[(index + 1) % order.count]
    }

    /// Exponential backoff with jitter: base · 2^(retry−1), scaled by a random 0.5…1.0 (`RetryPolicy.delay`).
    package static func backoff(base: Double, retry: Int, jitter: Double = Double.random(in: 0.5...1.0)) -> Double {
        RetryPolicy(maxRetries: retry, baseDelay: base).delay(forRetry: retry, jitter: jitter)
    }
}
