import Foundation
import Logging
import SpoolCore
import SpoolStore
import Synchronization
import Testing

@testable import SpoolPipeline
@testable import SpoolService

@Suite("Scheduler")
struct SchedulerTests {
    @Test("never runs more than `slots` jobs at once, and does fill every slot")
    func slotsLimit() async throws {
        let gate = Gate()
        let fake = FakeExecutor { spec, _ in
            await gate.wait()
            return Outcomes.completed(spec)
        }
        try await withHarness(slots: 2, fake) { h in
            let ids = try h.addBatch(count: 5)
            try await h.running {
                #expect(await eventually { fake.started.count == 2 })
                // The scheduler's own turn is over: it holds exactly two running jobs.
                #expect(await h.scheduler.runningJobIDs.count == 2)
                #expect(fake.started.count == 2)
                let pending = try h.store.pendingJobs()
                #expect(pending.count == 3)
                gate.release()
                #expect(await eventually { ids.allSatisfy { h.status($0)?.0 == .completed } })
            }
            #expect(fake.highWater == 2)
            #expect(Set(fake.started) == Set(ids))
            #expect(fake.log.withLock { $0.finished.count } == 5)
            let batchID = try h.job(ids[0]).batchId
            let batchData = try Data(contentsOf: URL(fileURLWithPath: h.paths.batchStatus(batchID)))
            let batch = try #require(try JSONSerialization.jsonObject(with: batchData) as? [String: Any])
            #expect(batch["status"] as? String == "completed")
            #expect((batch["counts"] as? [String: Int])?["Completed"] == 5)
            #expect(try h.store.batch(id: batchID)?.finishedAt != nil)
            let file = try h.statusFile(ids[4])
            #expect(file["status"] as? String == "Completed")
            #expect(file["s3_key"] as? String == "\(ids[4]).mp4")
        }
    }

    @Test("round-robin: a small batch created later runs second, not after the big one")
    func roundRobin() async throws {
        let fake = FakeExecutor { spec, _ in Outcomes.completed(spec) }
        try await withHarness(slots: 1, fake) { h in
            let now = Date().millisecondsSince1970
            let a = try h.addBatch(count: 4, createdAt: now - 1_000)
            let b = try h.addBatch(count: 1, createdAt: now)
            try await h.running {
                #expect(await eventually { (a + b).allSatisfy { h.status($0)?.0 == .completed } })
            }
            #expect(fake.started.count == 5)
            #expect(fake.started.first == a[0])
            #expect(fake.started.dropFirst().first == b[0])
            #expect(Array(fake.started.dropFirst(2)) == Array(a.dropFirst()))
            #expect(fake.highWater == 1)
        }
    }

    @Test("a retryable failure waits and retries, then completes with download_retries 2")
    func retryThenComplete() async throws {
        let fake = FakeExecutor { spec, attempt in
            attempt <= 2 ? .failed(Outcomes.retryable) : Outcomes.completed(spec)
        }
        try await withHarness(retries: 3, fake) { h in
            let id = try h.addBatch(count: 1)[0]
            try await h.running {
                #expect(await eventually { h.status(id)?.0 == .completed })
            }
            let job = try h.job(id)
            #expect(job.status == .completed)
            #expect(job.step == .finished)
            #expect(job.downloadRetries == 2)
            #expect(job.attempt == 3)
            #expect(job.nextRetryAt == nil)
            #expect(job.finishedAt != nil)
            #expect(fake.started == [id, id, id])
            #expect(fake.log.withLock { $0.finished } == [["\(id).mp4"]])
            let file = try h.statusFile(id)
            #expect(file["download_retries"] as? Int == 2)
            #expect(file["attempt"] as? Int == 3)
        }
    }

    @Test("without a ticker, each backoff retry starts when its next_retry_at comes, and an idle scheduler sleeps")
    func retryOnTimeWithoutTicker() async throws {
        let starts = Mutex<[Int64]>([])
        let fake = FakeExecutor { spec, attempt in
            starts.withLock { $0.append(Date().millisecondsSince1970) }
            return attempt <= 2 ? .failed(Outcomes.retryable) : Outcomes.completed(spec)
        }
        // Backoffs of 0.5–1 s, then 1–2 s: a 250 ms ticker would turn the loop several times meanwhile.
        try await withHarness(retryBaseDelay: 1.0, fake) { h in
            let id = try h.addBatch(count: 1)[0]
            try await h.running {
                let seen = Mutex<[Int64]>([])
                for retry in 1...2 {
                    // Catch each Waiting state and its deadline (polled every 10 ms; each wait lasts ≥ 500 ms).
                    #expect(
                        await eventually {
                            guard let job = try? h.store.job(id: id), job.status == .processing, job.step == .waiting,
                                job.downloadRetries == retry, let at = job.nextRetryAt
                            else { return false }
                            seen.withLock { $0.append(at) }
                            return true
                        })
                    let turnsWhileWaiting = await h.scheduler.turns
                    #expect(await eventually { starts.withLock { $0.count } == retry + 1 })
                    // At most: the failed attempt's end (if after we looked), the deadline, and the next attempt's
                    // end (it fails at once). A 250 ms ticker would add at least two more over a ≥ 500 ms wait.
                    #expect(await h.scheduler.turns - turnsWhileWaiting <= 3)
                }
                #expect(await eventually { h.status(id)?.0 == .completed })
                let started = starts.withLock { $0 }
                let deadlines = seen.withLock { $0 }
                #expect(started.count == 3 && deadlines.count == 2)
                for (start, deadline) in zip(started.dropFirst(), deadlines) {
                    #expect(start >= deadline, "started \(deadline - start) ms before next_retry_at")
                    #expect(start - deadline < 250, "started \(start - deadline) ms after next_retry_at")
                }
                // Nothing left to do once the last attempt has ended and its own wake-up has been taken (the
                // turn that takes it is counted as it starts): from then on the loop sleeps. Watched for 800 ms.
                #expect(
                    await eventually {
                        await h.scheduler.runningJobIDs.isEmpty && !h.scheduler.hasPendingWake
                    }, "the last attempt's wake-up was never taken")
                let idleTurns = await h.scheduler.turns
                try await Task.sleep(for: .milliseconds(800))
                #expect(await h.scheduler.turns == idleTurns, "an idle scheduler took turns")
            }
            let job = try h.job(id)
            #expect(job.downloadRetries == 2 && job.attempt == 3 && job.nextRetryAt == nil)
        }
    }

    @Test("run() takes the jobs already queued without being woken (jobs requeued at start-up)")
    func startsQueuedWorkUnwoken() async throws {
        let fake = FakeExecutor { spec, _ in Outcomes.completed(spec) }
        try await withHarness(slots: 2, fake) { h in
            let ids = try h.addBatch(count: 3)
            let scheduler = h.scheduler
            let task = Task { await scheduler.run() }  // no wake()
            #expect(await eventually { ids.allSatisfy { h.status($0)?.0 == .completed } })
            await scheduler.beginShutdown()
            await task.value
        }
    }

    @Test("between tries the job is Processing/Waiting with next_retry_at, and can be cancelled there")
    func waitingBetweenTries() async throws {
        let fake = FakeExecutor { _, _ in .failed(Outcomes.retryable) }
        // A long base delay so the job stays Waiting while we look.
        try await withHarness(retryBaseDelay: 60, fake) { h in
            let id = try h.addBatch(count: 1)[0]
            try await h.running {
                #expect(await eventually { h.status(id).map { $0 == (.processing, .waiting) } ?? false })
                let job = try h.job(id)
                #expect(job.downloadRetries == 1)
                #expect(job.error == Outcomes.retryable.message)
                #expect((job.nextRetryAt ?? 0) > Date().millisecondsSince1970 + 20_000)
                // The attempt lets go of its slot just after its end is saved (the save is async).
                #expect(await eventually { await h.scheduler.runningJobIDs.isEmpty })
                #expect(h.status(id).map { $0 == (.processing, .waiting) } ?? false)
                // A job waiting for its retry holds no slot and is cancelled at once.
                #expect(await h.scheduler.cancel(jobID: id) == .cancelled)
                let cancelled = try h.job(id)
                #expect(cancelled.status == .failed)
                #expect(cancelled.step == .cancelled)
                #expect(cancelled.nextRetryAt == nil)
                #expect(try h.store.startJob(id: id, at: Date().millisecondsSince1970) == nil)
            }
            #expect(fake.started == [id])
        }
    }

    @Test("a non-retryable failure ends at once as Warning with error and error_type")
    func nonRetryable() async throws {
        let fake = FakeExecutor { _, _ in .failed(Outcomes.privateVideo) }
        try await withHarness(retries: 3, fake) { h in
            let id = try h.addBatch(count: 1)[0]
            try await h.running {
                #expect(await eventually { h.status(id)?.0 == .warning })
            }
            let job = try h.job(id)
            #expect(job.step == .finished)
            #expect(job.error == "The video is private.")
            #expect(job.errorType == .warning)
            #expect(job.downloadRetries == 0)
            #expect(job.finishedAt != nil)
            #expect(fake.started == [id])
            let file = try h.statusFile(id)
            #expect(file["status"] as? String == "Warning")
            #expect(file["error_type"] as? String == "warning")
            #expect(file["error"] as? String == "The video is private.")
            let batchFile = try Data(contentsOf: URL(fileURLWithPath: h.paths.batchStatus(job.batchId)))
            let batch = try #require(try JSONSerialization.jsonObject(with: batchFile) as? [String: Any])
            #expect(batch["status"] as? String == "finished")
        }
    }

    @Test("retries exhausted: the job ends Failed with error_type error")
    func retriesExhausted() async throws {
        let fake = FakeExecutor { _, _ in .failed(Outcomes.retryable) }
        try await withHarness(retries: 2, fake) { h in
            let id = try h.addBatch(count: 1)[0]
            try await h.running {
                #expect(await eventually { h.status(id)?.0 == .failed })
            }
            let job = try h.job(id)
            #expect(job.step == .finished)
            #expect(job.errorType == .error)
            #expect(job.error == Outcomes.retryable.message)
            #expect(job.downloadRetries == 2)
            #expect(fake.started.count == 3)
        }
    }

    @Test("a skipped outcome ends Skipped with a warning")
    func skipped() async throws {
        let fake = FakeExecutor { _, _ in .skipped(ConversionPlan.Refusal.noAudio.message) }
        try await withHarness(fake) { h in
            let id = try h.addBatch(count: 1)[0]
            try await h.running {
                #expect(await eventually { h.status(id)?.0 == .skipped })
            }
            #expect(try h.job(id).errorType == .warning)
            #expect(try h.job(id).error == ConversionPlan.Refusal.noAudio.message)
        }
    }

    @Test("cancelling a pending job ends it at once as Failed/Cancelled")
    func cancelPending() async throws {
        let fake = FakeExecutor { spec, _ in Outcomes.completed(spec) }
        try await withHarness(fake) { h in
            let id = try h.addBatch(count: 1)[0]
            #expect(await h.scheduler.cancel(jobID: id) == .cancelled)
            let job = try h.job(id)
            #expect(job.status == .failed)
            #expect(job.step == .cancelled)
            #expect(job.error == "Job cancelled by user")
            #expect(job.errorType == .error)
            #expect(job.finishedAt != nil)
            let file = try h.statusFile(id)
            #expect(file["step"] as? String == "Cancelled")
            #expect(file["error"] as? String == "Job cancelled by user")
            // Finished jobs and unknown IDs cannot be cancelled; a cancelled job never runs.
            if case .notCancellable = await h.scheduler.cancel(jobID: id) {
            } else {
                Issue.record("a cancelled job was cancellable again")
            }
            #expect(await h.scheduler.cancel(jobID: SpoolID.make()) == .unknown)
            let other = try h.addBatch(count: 1)[0]
            try await h.running {
                #expect(await eventually { h.status(other)?.0 == .completed })
            }
            #expect(fake.started == [other])
            #expect(try h.job(id).status == .failed)
        }
    }

    @Test("cancelling a running job stops it and ends it as Failed/Cancelled")
    func cancelRunning() async throws {
        let fake = FakeExecutor { _, _ in await Outcomes.untilCancelled() }
        try await withHarness(fake) { h in
            let id = try h.addBatch(count: 1)[0]
            try await h.running {
                #expect(await eventually { fake.current == 1 && h.status(id)?.0 == .processing })
                #expect(await h.scheduler.cancel(jobID: id) == .stopping)
                #expect(await eventually { h.status(id).map { $0 == (.failed, .cancelled) } ?? false })
                #expect(await eventually { await h.scheduler.runningJobIDs.isEmpty })
            }
            let job = try h.job(id)
            #expect(job.error == "Job cancelled by user")
            #expect(job.errorType == .error)
            #expect(fake.current == 0)
            #expect(fake.started == [id])
        }
    }

    @Test("beginShutdown interrupts a running job: it goes back to Pending and run() returns")
    func shutdownRequeues() async throws {
        let fake = FakeExecutor { _, _ in await Outcomes.untilCancelled() }
        try await withHarness(slots: 1, fake) { h in
            let ids = try h.addBatch(count: 2)
            try await h.running {
                #expect(await eventually { fake.current == 1 && h.status(ids[0])?.0 == .processing })
            }
            // `running` waited for run() to return after beginShutdown.
            let job = try h.job(ids[0])
            #expect(job.status == .pending)
            #expect(job.step == .queued)
            #expect(job.error == nil)
            #expect(job.errorType == nil)
            #expect(job.finishedAt == nil)
            #expect(job.attempt == 1)
            #expect(try h.job(ids[1]).status == .pending)
            #expect(fake.started == [ids[0]])
            #expect(fake.current == 0)
            let file = try h.statusFile(ids[0])
            #expect(file["status"] as? String == "Pending")
        }
    }

    @Test("a failure reported while shutdown stops the attempt is not a verdict: the job goes back to Pending")
    func failureDuringShutdownRequeues() async throws {
        // A tool killed by the stop looks like a failure (e.g. ffprobe interrupted: "not playable media").
        let fake = FakeExecutor { _, _ in
            _ = await Outcomes.untilCancelled()
            return .failed(Outcomes.privateVideo)
        }
        try await withHarness(slots: 1, fake) { h in
            let ids = try h.addBatch(count: 1)
            try await h.running {
                #expect(await eventually { fake.current == 1 })
            }
            let job = try h.job(ids[0])
            #expect(job.status == .pending, "\(job.status)")
            #expect(job.error == nil)
            #expect(job.finishedAt == nil)
        }
    }
}
