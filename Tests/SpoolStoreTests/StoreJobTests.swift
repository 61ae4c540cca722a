import Foundation
import GRDB
import SpoolCore
import Testing

@testable import SpoolStore

@Suite("Store: job lifecycle")
struct StoreJobTests {
    @Test("startJob moves Pending to Processing/Downloading and records attempt, startedAt, queueWaitMs")
    func startJobFromPending() throws {
        let store = try makeMemoryStore()
        let (_, jobs) = try seed(store, count: 1, createdAt: 10_000)
        let started = try #require(try store.startJob(id: jobs[0].id, at: 10_750))
        #expect(started.status == .processing)
        #expect(started.step == .downloading)
        #expect(started.attempt == 1)
        #expect(started.startedAt == 10_750)
        #expect(started.queueWaitMs == 750)
        #expect(try store.job(id: jobs[0].id) == started)
        #expect(try store.pendingJobs().isEmpty)
    }

    @Test("jobCounts and queueDepth count in SQL: Pending plus retries waiting, not running jobs")
    func countsAndQueueDepth() throws {
        let store = try makeMemoryStore()
        let (_, jobs) = try seed(store, count: 4)
        _ = try store.startJob(id: jobs[0].id, at: 2_000)  // running: not queued
        var waiting = try #require(try store.startJob(id: jobs[1].id, at: 2_000))
        waiting.state = try #require(waiting.state.apply(.retryScheduled))  // Processing/Waiting: queued
        #expect(try store.save(waiting))
        #expect(try store.jobCounts() == [.pending: 2, .processing: 2])
        #expect(try store.queueDepth() == 3)
    }

    @Test("startJob returns nil for an unknown job and for a job that is not Pending")
    func startJobRefusesNonPending() throws {
        let store = try makeMemoryStore()
        let (_, jobs) = try seed(store, count: 2)
        #expect(try store.startJob(id: "missing", at: 2_000) == nil)

        // Already running (Downloading, not Waiting): no second start.
        let running = try #require(try store.startJob(id: jobs[0].id, at: 2_000))
        #expect(try store.startJob(id: jobs[0].id, at: 3_000) == nil)
        #expect(try store.job(id: jobs[0].id) == running)

        // Terminal: never restarts.
        var done = try #require(try store.startJob(id: jobs[1].id, at: 2_000))
        done.state = try #require(done.state.apply(.complete))
        done.finishedAt = 2_500
        #expect(try store.save(done))
        #expect(try store.startJob(id: jobs[1].id, at: 3_000) == nil)
        #expect(try store.job(id: jobs[1].id)?.status == .completed)
    }

    @Test("a job waiting for its retry (Processing/Waiting) resumes with startJob, keeping startedAt")
    func startJobResumesRetry() throws {
        let store = try makeMemoryStore()
        let (_, jobs) = try seed(store, count: 1, createdAt: 1_000)
        var job = try #require(try store.startJob(id: jobs[0].id, at: 1_200))
        job.state = try #require(job.state.apply(.retryScheduled))
        job.downloadRetries = 1
        job.nextRetryAt = 9_000
        job.progress = JobProgress(percent: 40)
        #expect(try store.save(job))

        let resumed = try #require(try store.startJob(id: job.id, at: 9_100))
        #expect(resumed.status == .processing)
        #expect(resumed.step == .downloading)
        #expect(resumed.attempt == 2)
        #expect(resumed.startedAt == 1_200)
        #expect(resumed.queueWaitMs == 200)
        #expect(resumed.nextRetryAt == nil)
        #expect(resumed.progress == nil)
        #expect(resumed.downloadRetries == 1)
    }

    @Test("requeueInterrupted puts every Processing job back to Pending/Queued and returns their IDs")
    func requeueInterrupted() throws {
        let store = try makeMemoryStore()
        let (_, jobs) = try seed(store, count: 4)
        // 0: running, 1: waiting for a retry, 2: completed, 3: still pending.
        var running = try #require(try store.startJob(id: jobs[0].id, at: 2_000))
        running.progress = JobProgress(percent: 10)
        #expect(try store.save(running))
        var waiting = try #require(try store.startJob(id: jobs[1].id, at: 2_000))
        waiting.state = try #require(waiting.state.apply(.retryScheduled))
        waiting.nextRetryAt = 50_000
        #expect(try store.save(waiting))
        var done = try #require(try store.startJob(id: jobs[2].id, at: 2_000))
        done.state = try #require(done.state.apply(.complete))
        #expect(try store.save(done))

        let ids = try store.requeueInterrupted()
        #expect(Set(ids) == [jobs[0].id, jobs[1].id])
        for id in [jobs[0].id, jobs[1].id] {
            let job = try #require(try store.job(id: id))
            #expect(job.status == .pending)
            #expect(job.step == .queued)
            #expect(job.progress == nil)
            #expect(job.nextRetryAt == nil)
        }
        #expect(try store.job(id: jobs[2].id)?.status == .completed)
        #expect(try store.job(id: jobs[3].id)?.status == .pending)
        #expect(Set(try store.pendingJobs().map(\.id)) == [jobs[0].id, jobs[1].id, jobs[3].id])
        #expect(try store.requeueInterrupted().isEmpty)
    }

    @Test("save refuses to change a terminal job (a late write cannot undo a cancel)")
    func saveRefusesTerminal() throws {
        let store = try makeMemoryStore()
        let (_, jobs) = try seed(store, count: 1)
        let started = try #require(try store.startJob(id: jobs[0].id, at: 2_000))

        var cancelled = started
        cancelled.state = try #require(cancelled.state.apply(.cancel))
        cancelled.error = "Job cancelled by user"
        cancelled.errorType = .error
        #expect(try store.save(cancelled))

        var late = started
        late.state = try #require(late.state.apply(.complete))
        late.result = JobResult()
        #expect(try store.save(late) == false)
        let stored = try #require(try store.job(id: jobs[0].id))
        #expect(stored.status == .failed)
        #expect(stored.step == .cancelled)
        #expect(stored.error == "Job cancelled by user")
        #expect(stored.result == nil)

        // Saving the identical terminal record is reported as success and changes nothing.
        #expect(try store.save(stored))
    }

    @Test("save of an unknown job returns false and inserts nothing")
    func saveUnknown() throws {
        let store = try makeMemoryStore()
        let batch = makeBatch()
        _ = try store.createBatch(batch, jobs: [])
        let ghost = makeJobs(batchID: batch.id, count: 1)[0]
        #expect(try store.save(ghost) == false)
        #expect(try store.job(id: ghost.id) == nil)
    }

    @Test("save round-trips result and progress JSON")
    func saveRoundTrip() throws {
        let store = try makeMemoryStore()
        let (_, jobs) = try seed(store, count: 1)
        var job = try #require(try store.startJob(id: jobs[0].id, at: 2_000))
        job.progress = JobProgress(percent: 12.5, downloadedBytes: 10, totalBytes: 80, speedBps: 3.5, etaSeconds: 20)
        #expect(try store.save(job))
        #expect(try store.job(id: job.id)?.progress == job.progress)

        var result = JobResult()
        result.s3Key = "f/name.mp4"
        result.subtitleKeys = ["f/name.en.vtt"]
        result.durationSeconds = 12.25
        job.state = try #require(job.state.apply(.complete))
        job.result = result
        job.progress = nil
        #expect(try store.save(job))
        #expect(try store.job(id: job.id) == job)
    }

    @Test("pendingJobs orders by creation, then batch, then position")
    func pendingOrder() throws {
        let store = try makeMemoryStore()
        let (_, late) = try seed(store, count: 2, createdAt: 5_000)
        let (_, early) = try seed(store, count: 2, createdAt: 1_000)
        #expect(try store.pendingJobs().map(\.id) == early.map(\.id) + late.map(\.id))
        #expect(try store.jobs(status: .pending).count == 4)
        #expect(try store.jobs(status: .completed).isEmpty)
    }
}

@Suite("Store: persistence")
struct StorePersistenceTests {
    @Test("a file database is in WAL mode and reopening it keeps batches and jobs")
    func reopenKeepsEverything() throws {
        try withTempDirectory { dir in
            let batch = makeBatch(claim: "c.json", key: "persist-key", folder: "shows")
            let jobs = makeJobs(batchID: batch.id, count: 3)
            var finished: JobRecord
            do {
                let store = try Store(path: dir + "/spool.sqlite")
                #expect(try store.createBatch(batch, jobs: jobs) == .created(batch, jobs))
                finished = try #require(try store.startJob(id: jobs[0].id, at: 3_000))
                finished.state = try #require(finished.state.apply(.fail(.warning)))
                finished.error = "The video is private."
                finished.errorType = .warning
                finished.finishedAt = 3_500
                #expect(try store.save(finished))
                _ = try #require(try store.startJob(id: jobs[1].id, at: 3_000))
                #expect(FileManager.default.fileExists(atPath: dir + "/spool.sqlite-wal"))
            }
            let mode = try DatabaseQueue(path: dir + "/spool.sqlite").read { db in
                try String.fetchOne(db, sql: "PRAGMA journal_mode")
            }
            #expect(mode == "wal")

            let reopened = try Store(path: dir + "/spool.sqlite")
            #expect(try reopened.batch(id: batch.id) == batch)
            let stored = try reopened.jobs(batchID: batch.id)
            #expect(stored.map(\.id) == jobs.map(\.id))
            #expect(stored[0] == finished)
            #expect(stored[1].status == .processing)
            #expect(stored[2].status == .pending)
            // Idempotency survives the restart.
            let again = makeBatch(key: "persist-key")
            #expect(try reopened.createBatch(again, jobs: []) == .existing(batch, stored))
            // And so does crash recovery.
            #expect(try reopened.requeueInterrupted() == [jobs[1].id])
        }
    }
}
