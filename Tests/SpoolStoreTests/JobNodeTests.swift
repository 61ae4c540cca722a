import Foundation
import GRDB
import SpoolCore
import Testing

@testable import SpoolStore

/// `JobRecord.node` on SQLite: stamped by `startJob` with the store's node, kept when the job ends, cleared by
/// every requeue; and the `v5-job-node` migration of a database written before the column existed.
@Suite("Store: job node")
struct JobNodeTests {
    @Test("startJob stamps the store's node; the job keeps it when it ends; a requeue clears it")
    func stampKeepClear() async throws {
        let store = try Store(writer: DatabaseQueue(), node: "node-a")
        #expect(store.node == "node-a")
        let (_, jobs) = try seed(store, count: 3)
        #expect(try store.jobs(batchID: jobs[0].batchId).allSatisfy { $0.node == nil })

        let started = try #require(try store.startJob(id: jobs[0].id, at: 1_100))
        #expect(started.node == "node-a")
        #expect(try store.job(id: jobs[0].id)?.node == "node-a")
        var done = started
        done.state = JobState(status: .completed, step: .finished)
        done.finishedAt = 1_900
        #expect(try store.save(done))
        #expect(try store.job(id: jobs[0].id)?.node == "node-a")

        // The async face stamps too, and both requeues (start-up recovery, the engine's) clear it.
        #expect(try await store.startAttempt(id: jobs[1].id, at: 1_200)?.node == "node-a")
        #expect(try store.requeueInterrupted() == [jobs[1].id])
        #expect(try store.job(id: jobs[1].id)?.node == nil)
        #expect(try await store.startAttempt(id: jobs[2].id, at: 1_300)?.node == "node-a")
        #expect(try await store.requeueProcessingJobs() == [jobs[2].id])
        let requeued = try #require(try store.job(id: jobs[2].id))
        #expect(requeued.status == .pending && requeued.node == nil)
        #expect(try store.job(id: jobs[0].id)?.node == "node-a")
    }

    @Test("a retry job starts without a node, whatever its original ran on")
    func retryStartsBare() throws {
        let store = try Store(writer: DatabaseQueue(), node: "node-a")
        let (batch, jobs) = try seed(store, count: 1)
        var failed = try #require(try store.startJob(id: jobs[0].id, at: 1_100))
        failed.state = JobState(status: .failed, step: .downloading)
        #expect(try store.save(failed))
        let retry = JobRecord(
            id: SpoolID.make(), batchId: batch.id, position: 0, url: failed.url, filename: failed.filename,
            folder: failed.folder, options: failed.options, createdAt: 2_000, originalJobId: failed.id)
        let appended = try store.appendJobs([retry], toBatch: batch.id)
        #expect(try store.job(id: appended[0].id)?.node == nil)
        #expect(try store.job(id: failed.id)?.node == "node-a")
    }

    @Test(
        "a database written before the node column upgrades in place: the column added, NULL on every job, files to check"
    )
    func migrateOldDatabase() throws {
        try withTempDirectory { dir in
            let path = dir + "/spool.db"
            let batchID = SpoolID.make()
            let jobID = SpoolID.make()
            let options = String(
                decoding: try JobRecord.databaseJSONEncoder(for: "options").encode(JobOptions()), as: UTF8.self)
            do {
                // The schema as it was before v5, and a job that had run, written with the old columns.
                let old = try DatabaseQueue(path: path)
                try Schema.migrator.migrate(old, upTo: "v4-webhook-delivery")
                let oldColumns = try old.read { db in try db.columns(in: "job").map(\.name) }
                #expect(!oldColumns.contains("node"))
                try old.write { db in
                    try db.execute(
                        sql: "INSERT INTO batch (id, source, createdAt) VALUES (?, 'old.json', 1000)",
                        arguments: [batchID])
                    try db.execute(
                        sql: """
                            INSERT INTO job (id, batchId, position, url, options, status, step, attempt, createdAt,
                                             startedAt, finishedAt)
                            VALUES (?, ?, 0, 'https://example.com/v', ?, 'Completed', 'Finished', 1, 1000, 1100, 1900)
                            """, arguments: [jobID, batchID, options])
                    // Its status file written and sealed: the journal empty, as after a clean stop.
                    try db.execute(sql: "DELETE FROM status_dirty")
                }
                try old.close()
            }
            let store = try Store(path: path, node: "node-b")
            let (columns, applied) = try store.writer.read { db in
                (try db.columns(in: "job").map(\.name), try Schema.migrator.appliedIdentifiers(db))
            }
            #expect(columns.last == "node" && applied.contains("v5-job-node"))
            let job = try #require(try store.job(id: jobID))
            #expect(job.status == .completed && job.node == nil)
            #expect(try store.canonicalRows().jobs.first?.values.last == .some(nil))
            // In the status journal: the next start rewrites its status file, now with `node`.
            #expect(try store.statusJournal().jobs.map(\.id) == [jobID])
        }
    }
}
