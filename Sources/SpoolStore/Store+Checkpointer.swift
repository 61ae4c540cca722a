import Dispatch
import Foundation
import GRDB
import Synchronization

extension Store {
    /// WAL checkpoints beside the ingest path instead of inside a commit.
    ///
    /// SQLite runs its automatic checkpoint inside the commit that takes the WAL past 1,000 pages: that
    /// commit also copies every page into the database file and fsyncs both files. A 100-job ingest adds a
    /// few dozen pages, so about one ingest in twenty-five paid for a whole checkpoint before its receipt
    /// (measure 1's p99; `strace` in BENCHMARKS.md). The ingestor reports its committed jobs here; every
    /// `jobsPerCheckpoint` a PASSIVE checkpoint runs on this object's own connection and thread, which never
    /// blocks the store's writer nor the next ingest. SQLite's automatic checkpoint stays as the backstop.
    package final class Checkpointer: Sendable {
        /// About a third of SQLite's automatic threshold in WAL pages, for 100-job batches.
        package static let jobsPerCheckpoint = 1_000

        private let queue: DatabaseQueue
        private let worker = DispatchQueue(label: "spool.checkpoint")
        private let state = Mutex<(jobs: Int, scheduled: Bool)>((0, false))

        /// `path` is the database file the service's `Store` opened (`SpoolPaths.database`), which exists.
        package init(path: String) throws {
            var config = Configuration()
            config.busyMode = .timeout(5)
            queue = try DatabaseQueue(path: path, configuration: config)
        }

        /// Notes `jobs` newly committed jobs; past `jobsPerCheckpoint` since the last checkpoint, schedules one
        /// (at most one at a time). `failed` is called on the worker thread when it fails.
        package func noteCommitted(jobs: Int, failed: @escaping @Sendable (any Error) -> Void) {
            let due = state.withLock { s -> Bool in
                s.jobs += jobs
                guard s.jobs >= Self.jobsPerCheckpoint, !s.scheduled else { return false }
                s.jobs = 0
                s.scheduled = true
                return true
            }
            guard due else { return }
            worker.async { [self] in
                defer { state.withLock { $0.scheduled = false } }
                do { try checkpoint() } catch { failed(error) }
            }
        }

        /// Waits for a scheduled checkpoint (tests).
        package func waitUntilIdle() { worker.sync {} }

        /// A PASSIVE checkpoint; returns the WAL pages copied into the database file.
        @discardableResult
        package func checkpoint() throws -> Int {
            try queue.writeWithoutTransaction { db in
                try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")?[2] ?? 0
            }
        }
    }
}
