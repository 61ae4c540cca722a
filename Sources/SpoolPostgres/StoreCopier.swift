import Logging
import PostgresNIO
import SpoolCore
import SpoolStore

/// `spool migrate`: copies a single-node SQLite store into an empty PostgreSQL database, every row and
/// every column byte for byte, and proves it before committing.
///
/// One transaction: the target's tables are locked and must be empty, the rows go in (in SQLite's rowid
/// order, so `seq` keeps the insertion order), then every row is read back and its digest compared with
/// the digest of the SQLite row it came from, and decoded into its record. Any difference rolls the whole
/// copy back, leaving the target empty.
package enum StoreCopier {
    /// What was copied and the digests that matched.
    package struct Report: Sendable, Equatable {
        package var batches: Int
        package var jobs: Int
        package var webhooks: Int
        package var idempotencyKeys: Int
        package var jobsByStatus: [String: Int]
        package var batchDigest: String
        package var jobDigest: String
        package var webhookDigest: String
    }

    package enum CopyError: Error, CustomStringConvertible {
        case targetNotEmpty(batches: Int, jobs: Int, target: String)
        case mismatch(table: String, detail: String)

        package var description: String {
            switch self {
            case .targetNotEmpty(let batches, let jobs, let target):
                "the target database \(target) is not empty (\(batches) batches, \(jobs) jobs): migrate copies "
                    + "into an empty database only; create a new database (createdb) and name it in --to"
            case .mismatch(let table, let detail):
                "the copy of \(table) differs from the SQLite store (\(detail)); nothing was committed"
            }
        }
    }

    /// Copies `source` into `target` (migrated to the current schema first); `targetName` (the masked
    /// URL) names the target in errors.
    package static func copy(from source: Store, to target: PostgresStore, targetName: String) async throws -> Report {
        let rows = try source.canonicalRows()
        let webhooks = try webhookRows(source)
        let batchDigests = RowDigest.byID(rows.batches)
        let jobDigests = RowDigest.byID(rows.jobs)
        let webhookDigests = RowDigest.byID(webhooks)
        try await target.migrate()
        return try await target.transaction { connection, logger in
            try await connection.query("LOCK TABLE batch, job, webhook IN EXCLUSIVE MODE", logger: logger)
            let (batches, jobs) = try await counts(on: connection, logger: logger)
            guard batches == 0, jobs == 0 else {
                throw CopyError.targetNotEmpty(batches: batches, jobs: jobs, target: targetName)
            }
            try await PostgresStore.insert(rows.batches, into: "batch", on: connection, logger: logger)
            try await PostgresStore.insert(rows.jobs, into: "job", on: connection, logger: logger)
            try await PostgresStore.insert(webhooks, into: "webhook", on: connection, logger: logger)

            let copiedBatches = try await PostgresStore.rows(
                PostgresQuery(unsafeSQL: "SELECT \(PostgresSchema.selectList(PostgresSchema.batchColumns)) FROM batch"),
                on: connection, logger: logger)
            let copiedJobs = try await PostgresStore.rows(
                PostgresQuery(unsafeSQL: "SELECT \(PostgresSchema.selectList(PostgresSchema.jobColumns)) FROM job"),
                on: connection, logger: logger)
            let copiedWebhooks = try await PostgresStore.rows(
                PostgresQuery(unsafeSQL: "SELECT \(PostgresSchema.webhookSelectList()) FROM webhook"),
                on: connection, logger: logger)
            try compare(RowDigest.byID(copiedBatches), batchDigests, table: "batch")
            try compare(RowDigest.byID(copiedJobs), jobDigests, table: "job")
            try compare(RowDigest.byID(copiedWebhooks), webhookDigests, table: "webhook")
            for row in copiedWebhooks { _ = try WebhookRecord(canonical: row) }
            // Every copied row must also read back as the record the service will see.
            var byStatus: [String: Int] = [:]
            for row in copiedJobs { byStatus[try JobRecord(canonical: row).status.rawValue, default: 0] += 1 }
            let keys = try copiedBatches.map { try BatchRecord(canonical: $0) }.filter { $0.idempotencyKey != nil }
                .count
            return Report(
                batches: copiedBatches.count, jobs: copiedJobs.count, webhooks: copiedWebhooks.count,
                idempotencyKeys: keys, jobsByStatus: byStatus, batchDigest: RowDigest.table(batchDigests),
                jobDigest: RowDigest.table(jobDigests), webhookDigest: RowDigest.table(webhookDigests))
        }
    }

    /// Every webhook delivery of `source` as a canonical row. SpoolStore reads raw rows of `batch` and `job`
    /// only (`canonicalRows`), so these come through its record API (`webhookStates` for the job IDs, then
    /// `webhook(jobID:)`): every column of a `webhook` row maps one to one onto `WebhookRecord`, so the row
    /// digested here holds the same values as SQLite's, and migrate's state lock keeps the store still.
    private static func webhookRows(_ source: Store) throws -> [CanonicalRow] {
        try source.webhookStates().keys.sorted().map { jobID in
            guard let hook = try source.webhook(jobID: jobID) else {
                throw CopyError.mismatch(table: "webhook", detail: "the delivery of job \(jobID) vanished while read")
            }
            return hook.canonicalRow
        }
    }

    private static func counts(on connection: PostgresConnection, logger: Logger) async throws -> (Int, Int) {
        var counts = (0, 0)
        let rows = try await connection.query(
            "SELECT (SELECT COUNT(*) FROM batch), (SELECT COUNT(*) FROM job)", logger: logger)
        for try await pair in rows.decode((Int, Int).self) { counts = pair }
        return counts
    }

    private static func compare(_ copied: [String: [UInt8]], _ original: [String: [UInt8]], table: String) throws {
        guard copied.count == original.count else {
            throw CopyError.mismatch(table: table, detail: "\(copied.count) rows read back, \(original.count) copied")
        }
        for (id, digest) in original where copied[id] != digest {
            throw CopyError.mismatch(table: table, detail: "row \(id) reads back differently")
        }
    }
}
