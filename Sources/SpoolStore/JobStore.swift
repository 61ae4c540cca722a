import SpoolCore

/// The job queue as the scheduler uses it, all async: no call blocks a thread of the cooperative pool.
///
/// The seam between the scheduler and a store engine: `Store` (SQLite through GRDB) conforms with
/// GRDB's async `read`/`write`, and a PostgreSQL engine can conform the same way. Each method is
/// one transaction, and runs to its end even when the calling task is cancelled: the scheduler saves
/// the end of an attempt it is stopping from the attempt's own (cancelled) task. The names differ from `Store`'s synchronous API on purpose: an async overload
/// with the same name would turn every synchronous call made from async code into a compile error.
package protocol JobStore: Sendable {
    /// The job with this ID, nil when there is none.
    func fetchJob(id: String) async throws -> JobRecord?

    /// The jobs with this status, oldest first.
    func fetchJobs(status: JobStatus) async throws -> [JobRecord]

    /// The first Pending job of every unfinished batch, skipping `excluding`; `live` keeps only live
    /// recordings (`true`) or only other jobs (`false`). In creation, batch, position order.
    func fetchPendingHeads(excluding: Set<String>, live: Bool?) async throws -> [JobRecord]

    /// Saves a job's new state; false (nothing written) when the job is gone or already terminal
    /// with other values, so a late write can never undo a cancel.
    func saveJob(_ job: JobRecord) async throws -> Bool

    /// Atomically moves a Pending (or retry-waiting) job to Processing and counts the attempt;
    /// nil when it cannot start.
    func startAttempt(id: String, at now: Int64) async throws -> JobRecord?
}
