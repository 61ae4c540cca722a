import Logging
import Synchronization

/// A node's view of a store outage at ingest (issue 12, "Database faults"): while the store is unreachable
/// the inbox files stay where they are (no claim, no rejection receipt for a database error), the files
/// claimed when it failed stay claimed, one line is logged per outage, and `ClusterRescueService` retries
/// every `retryInterval` and resumes ingest when the store answers again.
package final class IngestOutage: Sendable {
    private struct State {
        var down = false
        /// Claimed files whose batch was not stored: ingested again once the store answers.
        var claimed: [String] = []
        /// Inbox names left alone during the outage: queued again once the store answers (the watcher reports
        /// a name once per stamp, so it would not report them again by itself).
        var skipped: [String] = []
    }

    private let state = Mutex(State())
    /// How often the store is tried again (the rescue service's period), for the log line.
    package let retryInterval: Duration

    package init(retryInterval: Duration) {
        self.retryInterval = retryInterval
    }

    package var isDown: Bool { state.withLock { $0.down } }

    /// While down: records `names` for later and returns true (the caller leaves them in the inbox).
    func skipWhileDown(_ names: [String]) -> Bool {
        state.withLock { s in
            guard s.down else { return false }
            for name in names where !s.skipped.contains(name) { s.skipped.append(name) }
            return true
        }
    }

    /// A commit failed: the store is down; `claimed` are kept for the retry. Logs at the outage's start only.
    package func storeFailed(claimed: [String], error: any Error, logger: Logger) {
        let started = state.withLock { s in
            defer { s.down = true }
            for path in claimed where !s.claimed.contains(path) { s.claimed.append(path) }
            return !s.down
        }
        if started { logStart(error, logger: logger) }
    }

    /// A store call outside ingest failed (the rescue service's probe): the same outage.
    package func noteDown(error: any Error, logger: Logger) {
        let started = state.withLock { s in
            defer { s.down = true }
            return !s.down
        }
        if started { logStart(error, logger: logger) }
    }

    private func logStart(_ error: any Error, logger: Logger) {
        logger.error(
            "database unreachable: inbox files stay in place, nothing is claimed; retrying",
            metadata: ["retry_every_s": "\(retryInterval.components.seconds)", "error": "\(error)"])
    }

    /// The claimed files to ingest again (taken out; a failing retry records them again).
    func takeClaimed() -> [String] {
        state.withLock { s in
            defer { s.claimed = [] }
            return s.claimed
        }
    }

    /// The store answered and every retried file was stored: the outage is over. Returns the inbox names
    /// left alone meanwhile (to queue again); nil when there was no outage or a retry failed again.
    func endIfStored(logger: Logger) -> [String]? {
        let skipped: [String]? = state.withLock { s in
            guard s.down, s.claimed.isEmpty else { return nil }
            s.down = false
            defer { s.skipped = [] }
            return s.skipped
        }
        if let skipped {
            logger.notice("database reachable again; ingest resumes", metadata: ["waiting_files": "\(skipped.count)"])
        }
        return skipped
    }
}
