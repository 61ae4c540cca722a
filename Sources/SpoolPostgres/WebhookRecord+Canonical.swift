import SpoolStore

/// A webhook delivery as a `CanonicalRow`: every column as text in SQLite's column order, integers in
/// decimal and `progress` as 0/1 (SQLite's storage of a Bool), so PostgreSQL reads, writes and `spool
/// migrate`'s digests use the same form as batches and jobs. (CanonicalRow's own tables live in SpoolStore;
/// this one lives here until SpoolStore reads raw webhook rows, see `StoreCopier`.)
extension WebhookRecord {
    /// The webhook table's columns, in the order a canonical row holds them (SQLite's names).
    package static let canonicalColumns = [
        "jobId", "url", "progress", "state", "attempts", "nextAttemptAt", "lastProgressAt", "lastError",
    ]

    package var canonicalRow: CanonicalRow {
        CanonicalRow([
            jobId, url, progress ? "1" : "0", state.rawValue, String(attempts), String(nextAttemptAt),
            lastProgressAt.map { String($0) }, lastError,
        ])
    }

    package init(canonical row: CanonicalRow) throws {
        let values = row.values
        guard values.count == Self.canonicalColumns.count else {
            throw CanonicalRowError.wrongWidth(values.count, expected: Self.canonicalColumns.count)
        }
        func text(_ index: Int) throws -> String {
            guard let value = values[index] else { throw CanonicalRowError.missing(index) }
            return value
        }
        func integer(_ text: String, _ index: Int) throws -> Int64 {
            guard let value = Int64(text) else { throw CanonicalRowError.notAnInteger(index, text) }
            return value
        }
        self.init(jobId: try text(0), url: try text(1), progress: false)
        switch try text(2) {
        case "0": progress = false
        case "1": progress = true
        case let other: throw CanonicalRowError.unknownValue("progress", other)
        }
        guard let state = State(rawValue: try text(3)) else {
            throw CanonicalRowError.unknownValue("state", try text(3))
        }
        self.state = state
        attempts = Int(try integer(try text(4), 4))
        nextAttemptAt = try integer(try text(5), 5)
        lastProgressAt = try values[6].map { try integer($0, 6) }
        lastError = values[7]
    }
}
