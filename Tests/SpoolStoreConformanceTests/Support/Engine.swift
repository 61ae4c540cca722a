import Foundation
import GRDB
import Logging
import SpoolCore
import SpoolPostgres
import Testing

@testable import SpoolStore

/// The store engines the conformance suite runs against: each test gets a fresh, empty store.
enum Engine: String, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// SQLite always; PostgreSQL when its server is installed, or under `SPOOL_E2E_NO_SKIP=1` (then a
    /// missing server fails the PostgreSQL cases instead of leaving them out).
    static var tested: [Engine] { TestPostgres.available || TestPostgres.noSkip ? [.sqlite, .postgres] : [.sqlite] }

    static var postgresOnly: [Engine] { TestPostgres.available || TestPostgres.noSkip ? [.postgres] : [] }

    static let logger = Logger(label: "spool.conformance")

    /// Runs `body` with a new, empty store of this engine (for PostgreSQL: a new database, migrated).
    func withStore<T: Sendable>(_ body: @escaping @Sendable (any StoreEngine) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            return try await body(try Store(writer: DatabaseQueue()))
        case .postgres:
            let server = try TestPostgres.shared()
            let url = try server.socketURL(try server.makeDatabase())
            return try await PostgresStore.withStore(url: url, logger: Self.logger) { try await body($0) }
        }
    }

    /// Inserts rows bypassing every check of the engine's code, so only the database can refuse them.
    static func insertRaw(_ store: any StoreEngine, batches: [CanonicalRow], jobs: [CanonicalRow] = []) async throws {
        if let store = store as? Store {
            try store.insertCanonicalRows(batches: batches, jobs: jobs)
        } else if let store = store as? PostgresStore {
            try await store.insertCanonicalRows(batches: batches, jobs: jobs)
        } else {
            Issue.record("unknown engine \(type(of: store))")
        }
    }

    /// Which constraint refused a write: "unique", "check", or nil when `error` is no constraint error.
    static func constraint(_ error: any Error) -> String? {
        if let error = error as? PostgresStoreError {
            return error.isUniqueViolation ? "unique" : error.isCheckViolation ? "check" : nil
        }
        if let error = error as? DatabaseError, error.resultCode == .SQLITE_CONSTRAINT {
            switch error.extendedResultCode {
            case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY: return "unique"
            case .SQLITE_CONSTRAINT_CHECK: return "check"
            default: return nil
            }
        }
        return nil
    }
}

func makeBatch(
    id: String = SpoolID.make(), claim: String? = nil, key: String? = nil, createdAt: Int64 = 1_000
) -> BatchRecord {
    BatchRecord(id: id, source: "drop.json", claimName: claim, idempotencyKey: key, folder: "f/g", createdAt: createdAt)
}

func makeJobs(
    batchID: String, count: Int, createdAt: Int64 = 1_000, options: JobOptions = JobOptions(format: "mp4")
) -> [JobRecord] {
    (0..<count).map { i in
        JobRecord(
            id: SpoolID.make(), batchId: batchID, position: i, url: "https://example.com/v/\(i)?é=1",
            filename: "video \(i)", folder: "f/g", options: options, createdAt: createdAt)
    }
}

/// A job with every column set, as after a finished run.
func everyField(batchID: String, position: Int) -> JobRecord {
    var options = JobOptions(format: "mkv", videoCodec: "h264", audioBitrate: "128k", qualityPreset: "high")
    options.clipStart = "00:00:01"
    options.maxDuration = 30
    var job = JobRecord(
        id: SpoolID.make(), batchId: batchID, position: position, url: "https://example.com/é?a=1", filename: "név",
        folder: "a/b", options: options, createdAt: 1_000, originalJobId: SpoolID.make())
    job.status = .completed
    job.step = .finished
    job.attempt = 2
    job.downloadRetries = 1
    job.startedAt = 1_100
    job.finishedAt = 1_900
    job.nextRetryAt = 1_500
    job.queueWaitMs = 100
    job.error = "earlier error"
    job.errorType = .warning
    var result = JobResult()
    result.s3Key = "a/b/név.mkv"
    result.subtitleKeys = ["a/b/név.en.vtt"]
    result.durationSeconds = 6.02
    result.fileSize = 1234
    job.result = result
    job.progress = JobProgress(recordedSeconds: 3.5, maxDurationSeconds: 30)
    job.node = "node-a.example"
    return job
}

extension Store.CreateOutcome {
    var created: Bool {
        if case .created = self { return true }
        return false
    }

    var batch: BatchRecord {
        switch self {
        case .created(let batch, _), .existing(let batch, _): batch
        }
    }

    var jobs: [JobRecord] {
        switch self {
        case .created(_, let jobs), .existing(_, let jobs): jobs
        }
    }
}
