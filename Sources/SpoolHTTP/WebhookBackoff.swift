/// When a failed webhook attempt is tried again (docs/webhooks.md): at most 3 attempts, the second after
/// `retry_base_delay_s`, the third four times that later (2 s, then 8 s by default).
package struct WebhookBackoff: Sendable, Equatable {
    package static let maxAttempts = 3
    package var baseDelaySeconds: Double

    package init(baseDelaySeconds: Double) { self.baseDelaySeconds = baseDelaySeconds }

    /// Seconds to wait after attempt `attempt` (1-based) failed; nil when no attempt is left.
    package func delay(afterAttempt attempt: Int) -> Double? {
        guard attempt >= 1, attempt < Self.maxAttempts else { return nil }
        var delay = baseDelaySeconds
        for _ in 1..<attempt { delay *= 4 }
        return delay
    }
}
