import Foundation
import GRDB

extension Store {
    /// The batches and jobs whose status files may be out of date: everything inserted or updated since
    /// the status files were last known complete and flushed (a clean stop's seal, or a check that found
    /// them equal). Triggers fill it in the same transaction as the change (`Schema`, v3-status-journal),
    /// so a crash between a commit and its status file write always leaves that job in the journal, and a
    /// restart after `kill -9` compares only these files instead of every file.
    package struct StatusJournal: Sendable, Equatable {
        /// One journal row: `seq` identifies this change; a later change of the same ID gets a higher one.
        package struct Entry: Sendable, Equatable {
            package var seq: Int64
            package var id: String

            /// For other engines' journals (SpoolPostgres): the memberwise initialiser is internal.
            package init(seq: Int64, id: String) {
                self.seq = seq
                self.id = id
            }
        }

        package var jobs: [Entry] = []
        package var batches: [Entry] = []

        /// The highest `seq` read (0 when empty).
        package var lastSeq: Int64 { max(jobs.map(\.seq).max() ?? 0, batches.map(\.seq).max() ?? 0) }

        package var isEmpty: Bool { jobs.isEmpty && batches.isEmpty }

        package init(jobs: [Entry] = [], batches: [Entry] = []) {
            self.jobs = jobs
            self.batches = batches
        }

        static func read(_ db: Database) throws -> StatusJournal {
            var journal = StatusJournal()
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, kind, id FROM status_dirty ORDER BY seq")
            while let row = try rows.next() {
                let entry = Entry(seq: row[0], id: row[2])
                if (row[1] as String) == "job" { journal.jobs.append(entry) } else { journal.batches.append(entry) }
            }
            return journal
        }

        /// Removes the entries with these `seq`s (those verified and flushed); later changes keep theirs.
        static func clear(seqs: [Int64], _ db: Database) throws {
            var start = 0
            while start < seqs.count {
                let chunk = Array(seqs[start..<min(start + 500, seqs.count)])
                try db.execute(
                    sql: "DELETE FROM status_dirty WHERE seq IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: StatementArguments(chunk))
                start += chunk.count
            }
        }
    }

    /// The journal as it stands (one read transaction).
    package func statusJournal() throws -> StatusJournal {
        try writer.read { db in try StatusJournal.read(db) }
    }

    /// Clears journal entries whose status files were found equal to their rows and flushed since.
    package func clearStatusJournal(seqs: [Int64]) throws {
        guard !seqs.isEmpty else { return }
        try writer.write { db in try StatusJournal.clear(seqs: seqs, db) }
    }
}

extension Store.Startup {
    /// The journal as it stands (`Store.StatusJournal`).
    package func statusJournal() throws -> Store.StatusJournal {
        try queue.read { db in try Store.StatusJournal.read(db) }
    }

    /// Clears the journal entries with these `seq`s (`Store.clearStatusJournal`).
    package func clearStatusJournal(seqs: [Int64]) throws {
        guard !seqs.isEmpty else { return }
        try queue.write { db in try Store.StatusJournal.clear(seqs: seqs, db) }
    }
}
