import Foundation
import GRDB

extension Store {
    /// WAL checkpoints at a moment of the ingestor's choosing instead of inside a commit.
    ///
    /// SQLite runs its automatic checkpoint inside the commit that takes the WAL past 1,000 pages: that
    /// commit also copies every page into the database file and fsyncs it. A 100-job ingest adds a few dozen
    /// pages, so about one ingest in thirty paid for a whole checkpoint before its receipt (measure 1's p99,
    /// BENCHMARKS.md). The ingestor calls `checkpoint()` once a group's receipts are out, so the WAL is
    /// nearly empty when the next drop commits; SQLite's automatic checkpoint stays as the backstop for the
    /// scheduler's writes between drops. The connection is the checkpointer's own: a PASSIVE checkpoint
    /// never blocks the store's writer.
    package final class Checkpointer: Sendable {
        private let queue: DatabaseQueue

        /// `path` is the database file the service's `Store` opened (`SpoolPaths.database`), which exists.
        package init(path: String) throws {
            var config = Configuration()
            config.busyMode = .timeout(5)
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            queue = try DatabaseQueue(path: path, configuration: config)
        }

        /// A PASSIVE checkpoint; returns the WAL pages copied into the database file.
        @discardableResult
        package func checkpoint() throws -> Int {
            try queue.writeWithoutTransaction { db in
                try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")?[2] ?? 0
            }
        }
    }
}
