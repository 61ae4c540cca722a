import GRDB
import SpoolCore

/// The async face of the SQLite store: the same transactions as the synchronous API, run with GRDB's
/// async `read`/`write`, which suspend the caller instead of blocking its thread.
extension Store: JobStore {
    package func fetchJob(id: String) async throws -> JobRecord? {
        try await read { db in try Self.job(id: id, db) }
    }

    package func fetchJobs(status: JobStatus) async throws -> [JobRecord] {
        try await read { db in try Self.jobs(status: status, db) }
    }

    package func fetchPendingHeads(excluding: Set<String>, live: Bool?) async throws -> [JobRecord] {
        try await read { db in try Self.pendingHeads(excluding: excluding, live: live, db) }
    }

    package func saveJob(_ job: JobRecord) async throws -> Bool {
        try await write { db in try Self.save(job, db) }
    }

    package func startAttempt(id: String, at now: Int64) async throws -> JobRecord? {
        try await write { [node] db in try Self.startJob(id: id, at: now, node: node, db) }
    }

    // GRDB's async accesses throw `CancellationError` in a cancelled task, and the scheduler records the
    // end of an attempt it is stopping (a cancel, a shutdown) from that very task. So each access runs in
    // a task of its own, which nothing cancels; the caller is suspended meanwhile, never blocked. Every async
    // method of both `JobStore` and `StoreEngine` goes through these two.

    func read<T: Sendable>(_ value: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Task { try await writer.read(value) }.value
    }

    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Task { try await writer.write(updates) }.value
    }
}
