import Logging
import PostgresNIO

/// Wake-ups across the cluster: a change that gives a node work (new batches, retries, jobs back to
/// Pending) or takes it away (a cancel) sends `NOTIFY spool_jobs` in its own transaction, so it arrives
/// only once the change is committed; every node LISTENs and wakes its scheduler at once. The scheduler's
/// 1 s claim poll stays as the safety net (a notification lost with a dropped connection).
extension PostgresStore {
    /// The channel every node listens on.
    package static let jobsChannel = "spool_jobs"

    /// Sends the wake-up inside the caller's transaction (delivered at its commit, never on a rollback).
    static func notifyJobs(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_notify(\(jobsChannel), '')", logger: logger)
    }

    /// Calls `wake` for every `spool_jobs` notification until the calling task is cancelled; once more each
    /// time listening (re)starts, for what was sent while it was not listening. A lost connection is
    /// retried every `retrySeconds`, logged once per outage.
    package func listenForJobs(retrySeconds: Double = 1, wake: @escaping @Sendable () -> Void) async {
        var failing = false
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.jobsChannel) { notifications in
                        if failing { logger.notice("listening for job wake-ups again") }
                        failing = false
                        wake()
                        for try await _ in notifications { wake() }
                    }
                }
            } catch {
                if Task.isCancelled { break }
                if !failing {
                    logger.error(
                        "not listening for job wake-ups; retrying every \(Int(retrySeconds)) s (the claim poll goes on)",
                        metadata: ["error": "\(PostgresStoreError.wrap(error))"])
                }
                failing = true
            }
            try? await Task.sleep(for: .seconds(retrySeconds))
        }
    }
}
