import PostgresNIO
import SpoolStore

/// The status journal (migration 3, `Store.StatusJournal`): read it whole, clear the entries verified.
extension PostgresStore {
    package func fetchStatusJournal() async throws -> Store.StatusJournal {
        try await transaction { connection, logger in
            var journal = Store.StatusJournal()
            let rows = try await connection.query("SELECT seq, kind, id FROM status_dirty ORDER BY seq", logger: logger)
            for try await (seq, kind, id) in rows.decode((Int64, String, String).self) {
                let entry = Store.StatusJournal.Entry(seq: seq, id: id)
                if kind == "job" { journal.jobs.append(entry) } else { journal.batches.append(entry) }
            }
            return journal
        }
    }

    /// Deletes exactly these `seq`s, never a range: with several nodes, `seq` order is not commit order,
    /// and an ID changed after the read holds a new `seq` and stays (PostgresSchema.statusJournal).
    package func clearStatusJournalEntries(seqs: [Int64]) async throws {
        guard !seqs.isEmpty else { return }
        var binds = PostgresBindings()
        binds.append(seqs)
        try await transaction { [binds] connection, logger in
            try await connection.query(
                PostgresQuery(unsafeSQL: "DELETE FROM status_dirty WHERE seq = ANY($1)", binds: binds), logger: logger)
        }
    }
}
