import Foundation
import GRDB
import SpoolCore

/// A row as every engine can hold it: one text value (or NULL) per column, in a fixed column order.
///
/// Integers are written in decimal, text and JSON columns as stored (the JSON text exactly as GRDB's
/// column encoder wrote it, so a copy keeps it byte for byte). The PostgreSQL engine stores and reads
/// rows through this form, and `spool migrate` digests it on both sides of a copy.
package struct CanonicalRow: Sendable, Equatable {
    package var values: [String?]

    package init(_ values: [String?]) { self.values = values }

    /// The batch table's columns, in the order `values` holds them (SQLite's names).
    package static let batchColumns = [
        "id", "source", "claimName", "idempotencyKey", "folder", "createdAt", "finishedAt",
    ]

    /// The job table's columns, in the order `values` holds them (SQLite's names).
    package static let jobColumns = [
        "id", "batchId", "position", "url", "filename", "folder", "options", "status", "step", "attempt",
        "downloadRetries", "createdAt", "startedAt", "finishedAt", "nextRetryAt", "queueWaitMs", "error",
        "errorType", "result", "progress", "originalJobId", "node",
    ]

    /// A SQLite row's columns `columns` (integers in decimal, text as is, NULL as nil).
    init(_ row: Row, columns: [String]) throws {
        values = try columns.map { name in
            let value: DatabaseValue = row[name]
            switch value.storage {
            case .null: return nil
            case .int64(let number): return String(number)
            case .string(let text): return text
            case .double, .blob:
                throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "\(name) holds neither text nor an integer")
            }
        }
    }

    fileprivate func text(_ index: Int) throws -> String {
        guard let value = values[index] else { throw CanonicalRowError.missing(index) }
        return value
    }

    fileprivate func integer(_ index: Int) throws -> Int64 {
        guard let value = try optionalInteger(index) else { throw CanonicalRowError.missing(index) }
        return value
    }

    fileprivate func optionalInteger(_ index: Int) throws -> Int64? {
        guard let text = values[index] else { return nil }
        guard let value = Int64(text) else { throw CanonicalRowError.notAnInteger(index, text) }
        return value
    }
}

/// A canonical row that does not decode into a record.
package enum CanonicalRowError: Error, CustomStringConvertible {
    case wrongWidth(Int, expected: Int)
    case missing(Int)
    case notAnInteger(Int, String)
    case unknownValue(String, String)

    package var description: String {
        switch self {
        case .wrongWidth(let count, let expected): "a row of \(count) columns where \(expected) were expected"
        case .missing(let index): "column \(index) is NULL but must hold a value"
        case .notAnInteger(let index, let text): "column \(index) holds \(text), not an integer"
        case .unknownValue(let column, let text): "\(column) holds an unknown value: \(text)"
        }
    }
}

extension BatchRecord {
    package var canonicalRow: CanonicalRow {
        CanonicalRow([
            id, source, claimName, idempotencyKey, folder, String(createdAt), finishedAt.map { String($0) },
        ])
    }

    package init(canonical row: CanonicalRow) throws {
        guard row.values.count == CanonicalRow.batchColumns.count else {
            throw CanonicalRowError.wrongWidth(row.values.count, expected: CanonicalRow.batchColumns.count)
        }
        self.init(
            id: try row.text(0), source: try row.text(1), claimName: row.values[2], idempotencyKey: row.values[3],
            folder: row.values[4], createdAt: try row.integer(5), finishedAt: try row.optionalInteger(6))
    }
}

extension JobRecord {
    package func canonicalRow() throws -> CanonicalRow {
        CanonicalRow([
            id, batchId, String(position), url, filename, folder, try Self.jsonText(options, "options"),
            status.rawValue, step.rawValue, String(attempt), String(downloadRetries), String(createdAt),
            startedAt.map { String($0) }, finishedAt.map { String($0) }, nextRetryAt.map { String($0) },
            queueWaitMs.map { String($0) }, error, errorType?.rawValue,
            try result.map { try Self.jsonText($0, "result") },
            try progress.map { try Self.jsonText($0, "progress") }, originalJobId, node,
        ])
    }

    package init(canonical row: CanonicalRow) throws {
        guard row.values.count == CanonicalRow.jobColumns.count else {
            throw CanonicalRowError.wrongWidth(row.values.count, expected: CanonicalRow.jobColumns.count)
        }
        self.init(
            id: try row.text(0), batchId: try row.text(1), position: Int(try row.integer(2)), url: try row.text(3),
            filename: row.values[4], folder: row.values[5],
            options: try JobOptionsCache.shared.options(json: try row.text(6)), createdAt: try row.integer(11),
            originalJobId: row.values[20])
        status = try Self.enumValue("status", try row.text(7))
        step = try Self.enumValue("step", try row.text(8))
        attempt = Int(try row.integer(9))
        downloadRetries = Int(try row.integer(10))
        startedAt = try row.optionalInteger(12)
        finishedAt = try row.optionalInteger(13)
        nextRetryAt = try row.optionalInteger(14)
        queueWaitMs = try row.optionalInteger(15)
        error = row.values[16]
        errorType = try row.values[17].map { try Self.enumValue("errorType", $0) }
        result = try row.values[18].map {
            try Self.databaseJSONDecoder(for: "result").decode(JobResult.self, from: Data($0.utf8))
        }
        progress = try row.values[19].map {
            try Self.databaseJSONDecoder(for: "progress").decode(JobProgress.self, from: Data($0.utf8))
        }
        node = row.values[21]
    }

    private static func jsonText<T: Encodable>(_ value: T, _ column: String) throws -> String {
        String(decoding: try databaseJSONEncoder(for: column).encode(value), as: UTF8.self)
    }

    private static func enumValue<E: RawRepresentable<String>>(_ column: String, _ text: String) throws -> E {
        guard let value = E(rawValue: text) else { throw CanonicalRowError.unknownValue(column, text) }
        return value
    }
}

extension Store {
    /// Every row of `batch` (with `CanonicalRow.batchColumns`) and of `job` (with `jobColumns`), raw, in
    /// rowid order, from one read transaction; for copying the store elsewhere byte for byte.
    package func canonicalRows() throws -> (batches: [CanonicalRow], jobs: [CanonicalRow]) {
        try writer.read { db in
            let batches = try Row.fetchAll(db, sql: "SELECT * FROM batch ORDER BY rowid")
                .map { try CanonicalRow($0, columns: CanonicalRow.batchColumns) }
            let jobs = try Row.fetchAll(db, sql: "SELECT * FROM job ORDER BY rowid")
                .map { try CanonicalRow($0, columns: CanonicalRow.jobColumns) }
            return (batches, jobs)
        }
    }
}

extension Store {
    /// Inserts canonical rows as they are, every column, with no lookup first: for copies and for
    /// tests of the schema's own constraints (a duplicate or invalid row is refused by SQLite).
    package func insertCanonicalRows(batches: [CanonicalRow], jobs: [CanonicalRow]) throws {
        try writer.write { db in
            for (table, columns, rows) in [
                ("batch", CanonicalRow.batchColumns, batches), ("job", CanonicalRow.jobColumns, jobs),
            ] {
                let sql =
                    "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(databaseQuestionMarks(count: columns.count)))"
                for row in rows { try db.execute(sql: sql, arguments: StatementArguments(row.values)) }
            }
        }
    }
}
