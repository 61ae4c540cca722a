import Foundation

/// Lets a progress report through at most twice a second (folder-contract §5), and always the final one.
actor ProgressThrottle {
    private var last: ContinuousClock.Instant?

    func shouldReport(final: Bool) -> Bool {
        let now = ContinuousClock.now
        if !final, let last, now - last < .milliseconds(500) { return false }
        last = now
        return true
    }
}
