import Foundation
import GRDB
import SpoolCore
import Synchronization

/// Reads a job row column by column instead of through `Decodable`.
///
/// GRDB's Codable row decoder and a fresh `JSONDecoder` for the options of every row made reading jobs
/// the costliest thing the scheduler and the start-up check did (a profile: about 35 µs a row). The
/// options JSON is shared by every job of a batch, so it is decoded once per distinct text.
extension JobRecord {
    package init(row: Row) throws {
        id = try row.decode(String.self, forColumn: "id")
        batchId = try row.decode(String.self, forColumn: "batchId")
        position = try row.decode(Int.self, forColumn: "position")
        url = try row.decode(String.self, forColumn: "url")
        filename = try row.decode(String?.self, forColumn: "filename")
        folder = try row.decode(String?.self, forColumn: "folder")
        options = try JobOptionsCache.shared.options(json: row.decode(String.self, forColumn: "options"))
        status = try Self.enumValue(row, "status")
        step = try Self.enumValue(row, "step")
        attempt = try row.decode(Int.self, forColumn: "attempt")
        downloadRetries = try row.decode(Int.self, forColumn: "downloadRetries")
        createdAt = try row.decode(Int64.self, forColumn: "createdAt")
        startedAt = try row.decode(Int64?.self, forColumn: "startedAt")
        finishedAt = try row.decode(Int64?.self, forColumn: "finishedAt")
        nextRetryAt = try row.decode(Int64?.self, forColumn: "nextRetryAt")
        queueWaitMs = try row.decode(Int64?.self, forColumn: "queueWaitMs")
        error = try row.decode(String?.self, forColumn: "error")
        errorType = try row.decode(String?.self, forColumn: "errorType").map { text in
            guard let value = ErrorType(rawValue: text) else { throw Self.badValue("errorType", text) }
            return value
        }
        result = try Self.json(row, "result")
        progress = try Self.json(row, "progress")
        originalJobId = try row.decode(String?.self, forColumn: "originalJobId")
        node = try row.decode(String?.self, forColumn: "node")
    }

    private static func enumValue<E: RawRepresentable<String>>(_ row: Row, _ column: String) throws -> E {
        let text = try row.decode(String.self, forColumn: column)
        guard let value = E(rawValue: text) else { throw badValue(column, text) }
        return value
    }

    private static func json<T: Decodable>(_ row: Row, _ column: String) throws -> T? {
        guard let text = try row.decode(String?.self, forColumn: column) else { return nil }
        return try databaseJSONDecoder(for: column).decode(T.self, from: Data(text.utf8))
    }

    private static func badValue(_ column: String, _ text: String) -> DatabaseError {
        DatabaseError(resultCode: .SQLITE_MISMATCH, message: "job.\(column) holds an unknown value: \(text)")
    }
}

/// Decoded options by their JSON text; bounded, because a long-running service sees many batches.
final class JobOptionsCache: Sendable {
    static let shared = JobOptionsCache()
    private static let capacity = 512
    private let entries = Mutex<[String: JobOptions]>([:])

    func options(json: String) throws -> JobOptions {
        if let known = entries.withLock({ $0[json] }) { return known }
        let options = try JobRecord.databaseJSONDecoder(for: "options").decode(JobOptions.self, from: Data(json.utf8))
        entries.withLock { cache in
            if cache.count >= Self.capacity { cache.removeAll(keepingCapacity: true) }
            cache[json] = options
        }
        return options
    }
}
