import Foundation
import GRDB
import Testing

@testable import SpoolStore

@Suite("Store durability: commits are fsynced before the store returns")
struct StoreDurabilityTests {
    @Test("the writer connection runs with synchronous = FULL in WAL mode (GRDB's WAL set-up would leave NORMAL)")
    func writerIsFull() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spool-durability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: dir.appendingPathComponent("spool.sqlite").path)
        let (mode, level) = try store.writer.write { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                try Int.fetchOne(db, sql: "PRAGMA synchronous")
            )
        }
        #expect(mode == "wal")
        // 2 = FULL: the WAL is fsynced at every commit, not only at checkpoints.
        #expect(level == 2)
    }
}
