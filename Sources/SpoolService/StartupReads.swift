import SpoolCore
import SpoolStore

/// The reads (and the seal) of start-up's status rebuild, from whichever engine the service runs on.
///
/// On SQLite they go through `Store.Startup`, a connection of their own opened for each rebuild: SQLite-only,
/// because its bulk reads skip the pool's connection set-up and GRDB's record decoding, which the rebuild
/// of a large queue needs (StoreStartupTests, BENCHMARKS.md). Its synchronous calls run on a thread of
/// their own (`BlockingWork`). Any other engine answers the same questions through `StoreEngine`.
struct StartupReads: Sendable {
    /// The SQLite start-up connection; nil: `engine`'s protocol methods.
    let startup: Store.Startup?
    let engine: any StoreEngine

    /// Every batch ID and every job ID.
    func ids() async throws -> (batches: [String], jobs: [String]) {
        guard let startup else { return try await engine.fetchAllIDs() }
        return try await BlockingWork.run("spool.startup") { try startup.ids() }
    }

    /// The jobs with these IDs, in any order; unknown IDs are left out.
    func jobs(ids: [String]) async throws -> [JobRecord] {
        guard let startup else { return try await engine.fetchJobs(ids: ids) }
        return try await BlockingWork.run("spool.startup") { try startup.jobs(ids: ids) }
    }

    /// The batches and jobs whose status files may be out of date.
    func statusJournal() async throws -> Store.StatusJournal {
        guard let startup else { return try await engine.fetchStatusJournal() }
        return try await BlockingWork.run("spool.startup") { try startup.statusJournal() }
    }

    /// Every batch (to `batches`), then every job grouped by batch in position order (to `body`).
    func forEachBatchOfJobs(
        batches: @escaping @Sendable ([BatchRecord]) throws -> Void,
        _ body: @escaping @Sendable (String, [JobRecord]) throws -> Void
    ) async throws {
        guard let startup else { return try await engine.streamBatchesOfJobs(batches: batches, body) }
        try await BlockingWork.run("spool.startup") { try startup.forEachBatchOfJobs(batches: batches, body) }
    }

    /// Start-up: the seal the database holds (nil without one), removed in the same transaction.
    func unseal() async throws -> Store.Seal? {
        guard let startup else { return try await engine.unsealCleanShutdown() }
        return try await BlockingWork.run("spool.startup") { try startup.unseal() }
    }

    /// The clean stop, once every status file is flushed: the status journal emptied (every file is complete
    /// and on disk) and a fresh seal stored in the database, to copy into the marker file.
    func seal() async throws -> Store.Seal {
        guard let startup else {
            // `Startup.seal` does both in one transaction; through the protocol, the entries read now are
            // cleared first (a later one, were there any, stays for the next start to check).
            let journal = try await engine.fetchStatusJournal()
            try await engine.clearStatusJournalEntries(seqs: (journal.jobs + journal.batches).map(\.seq))
            return try await engine.sealCleanShutdown()
        }
        return try await BlockingWork.run("spool.startup") { try startup.seal() }
    }
}
