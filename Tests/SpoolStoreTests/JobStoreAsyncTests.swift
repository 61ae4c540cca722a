import Foundation
import GRDB
import SpoolCore
import Testing

@testable import SpoolStore

/// The async seam (`JobStore`) against a temporary on-disk database, through `any JobStore` as the
/// scheduler holds it.
@Suite("JobStore: the async store seam")
struct JobStoreAsyncTests {
    @Test("reads agree with the synchronous API")
    func readsAgree() async throws {
        try await withAsyncTempDirectory { dir in
            let store = try Store(path: dir + "/spool.sqlite")
            let seam: any JobStore = store
            let (_, jobs) = try seed(store, count: 3, createdAt: 1_000)
            let (_, later) = try seed(store, count: 2, createdAt: 2_000)
            #expect(try await seam.fetchJob(id: jobs[1].id) == jobs[1])
            #expect(try await seam.fetchJob(id: "missing") == nil)
            #expect(try await seam.fetchJobs(status: .pending) == (try store.jobs(status: .pending)))
            #expect(try await seam.fetchJobs(status: .pending).count == 5)
            #expect(try await seam.fetchJobs(status: .processing).isEmpty)
            let heads = try await seam.fetchPendingHeads(excluding: [], live: nil)
            #expect(heads.map(\.id) == [jobs[0].id, later[0].id])
            #expect(heads == (try store.pendingHeads()))
            let skipping = try await seam.fetchPendingHeads(excluding: [jobs[0].id], live: false)
            #expect(skipping.map(\.id) == [jobs[1].id, later[0].id])
            #expect(try await seam.fetchPendingHeads(excluding: [], live: true).isEmpty)
        }
    }

    @Test("startAttempt moves a queued job to Processing once, counting the attempt")
    func startAttempt() async throws {
        try await withAsyncTempDirectory { dir in
            let store = try Store(path: dir + "/spool.sqlite")
            let seam: any JobStore = store
            let (_, jobs) = try seed(store, count: 1, createdAt: 1_000)
            let started = try #require(try await seam.startAttempt(id: jobs[0].id, at: 4_000))
            #expect(started.state == JobState(status: .processing, step: .downloading))
            #expect(started.attempt == 1 && started.startedAt == 4_000 && started.queueWaitMs == 3_000)
            #expect(try store.job(id: jobs[0].id) == started)
            // Already running: it cannot start again; an unknown job never starts.
            #expect(try await seam.startAttempt(id: jobs[0].id, at: 5_000) == nil)
            #expect(try await seam.startAttempt(id: "missing", at: 5_000) == nil)
        }
    }

    @Test("saveJob writes a live job and refuses to change a finished one")
    func saveJob() async throws {
        try await withAsyncTempDirectory { dir in
            let store = try Store(path: dir + "/spool.sqlite")
            let seam: any JobStore = store
            let (_, jobs) = try seed(store, count: 1)
            var job = try #require(try await seam.startAttempt(id: jobs[0].id, at: 2_000))
            job.progress = JobProgress(percent: 50)
            #expect(try await seam.saveJob(job))
            #expect(try store.job(id: job.id)?.progress == JobProgress(percent: 50))
            try job.cancel(at: 3_000)
            #expect(try await seam.saveJob(job))
            // A late write from the stopped runner cannot undo the cancel; saving the same values again is fine.
            var late = job
            late.state = JobState(status: .processing, step: .muxing)
            #expect(try await seam.saveJob(late) == false)
            #expect(try await seam.saveJob(job))
            #expect(try store.job(id: job.id) == job)
            var gone = job
            gone.id = "missing"
            #expect(try await seam.saveJob(gone) == false)
        }
    }

    @Test("many concurrent async calls all complete, each start won by exactly one caller")
    func concurrentCalls() async throws {
        try await withAsyncTempDirectory { dir in
            let store = try Store(path: dir + "/spool.sqlite")
            let seam: any JobStore = store
            let (_, jobs) = try seed(store, count: 20)
            // Four tries per job, all at once: far more callers than pool threads (a blocking store would
            // tie up every thread of the cooperative pool while the writer works).
            let winners = try await withThrowingTaskGroup(of: String?.self) { group in
                for job in jobs {
                    for _ in 0..<4 {
                        group.addTask {
                            _ = try await seam.fetchPendingHeads(excluding: [], live: nil)
                            return try await seam.startAttempt(id: job.id, at: 2_000)?.id
                        }
                    }
                }
                var won: [String] = []
                for try await id in group { if let id { won.append(id) } }
                return won
            }
            #expect(winners.sorted() == jobs.map(\.id).sorted())
            #expect(try await seam.fetchJobs(status: .processing).count == 20)
            #expect(try await seam.fetchJobs(status: .pending).isEmpty)
        }
    }

    @Test("a call from a cancelled task still runs (the end of a stopped attempt is saved)")
    func cancelledCaller() async throws {
        try await withAsyncTempDirectory { dir in
            let store = try Store(path: dir + "/spool.sqlite")
            let seam: any JobStore = store
            let (_, jobs) = try seed(store, count: 1)
            let id = jobs[0].id
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                #expect(Task.isCancelled)
                var job = try #require(try await seam.startAttempt(id: id, at: 2_000))
                try job.requeue()
                #expect(try await seam.saveJob(job))
                return try await seam.fetchJob(id: id)
            }
            let saved = try #require(try await task.value)
            #expect(saved.state == .queued && saved.attempt == 1)
        }
    }
}
