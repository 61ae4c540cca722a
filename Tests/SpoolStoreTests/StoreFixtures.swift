import Foundation
import GRDB
import SpoolCore

@testable import SpoolStore

/// A fresh in-memory store (its own database) for one test.
func makeMemoryStore() throws -> Store {
    try Store(writer: DatabaseQueue())
}

/// A fresh directory under /tmp for one test, removed afterwards.
func withTempDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "spool-store-tests-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

func makeBatch(
    id: String = SpoolID.make(), claim: String? = nil, key: String? = nil, folder: String? = nil,
    createdAt: Int64 = 1_000
) -> BatchRecord {
    BatchRecord(
        id: id, source: "drop.json", claimName: claim, idempotencyKey: key, folder: folder, createdAt: createdAt)
}

func makeJobs(batchID: String, count: Int, createdAt: Int64 = 1_000, options: JobOptions = JobOptions()) -> [JobRecord]
{
    (0..<count).map { i in
        JobRecord(
            id: SpoolID.make(), batchId: batchID, position: i, url: "https://example.com/v/\(i)",
            filename: "video \(i)", folder: nil, options: options, createdAt: createdAt)
    }
}

/// Creates a batch with `count` jobs and returns them; fails the test when the batch was not new.
@discardableResult
func seed(_ store: Store, count: Int, createdAt: Int64 = 1_000) throws -> (BatchRecord, [JobRecord]) {
    let batch = makeBatch(createdAt: createdAt)
    let jobs = makeJobs(batchID: batch.id, count: count, createdAt: createdAt)
    guard case .created(let b, let j) = try store.createBatch(batch, jobs: jobs) else {
        throw FixtureError.notCreated
    }
    return (b, j)
}

enum FixtureError: Error { case notCreated }

/// `withTempDirectory` for async tests (its own name: an overload would be ambiguous with a trailing closure).
func withAsyncTempDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "spool-store-tests-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
