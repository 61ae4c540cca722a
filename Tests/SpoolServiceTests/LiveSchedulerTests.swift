import Foundation
import Logging
import SpoolCore
import SpoolStore
import Synchronization
import Testing

@testable import SpoolPipeline
@testable import SpoolService

private func withLiveHarness(
    slots: Int = 1, liveSlots: Int = 1, waitLimit: Double = 21_600, _ fake: FakeExecutor,
    _ body: (SchedulerHarness) async throws -> Void
) async throws {
    try await withTempDirectory { root in
        let paths = SpoolPaths(root: root, configuration: .defaults)
        try paths.createLayout()
        let store = try Store(path: paths.database)
        let logger = Logger(label: "spool.tests", factory: { _ in SwiftLogNoOpLogHandler() })
        let status = StatusWriter(store: store, paths: paths, logger: logger)
        let scheduler = Scheduler(
            store: store, status: status, executor: fake, paths: paths,
            settings: .init(
                slots: slots, retries: 0, retryBaseDelay: 0.01, liveSlots: liveSlots, waitForVideoLimit: waitLimit),
            logger: logger)
        try await body(SchedulerHarness(paths: paths, store: store, scheduler: scheduler, fake: fake))
    }
}

private func addJobs(_ h: SchedulerHarness, _ options: [JobOptions]) throws -> [String] {
    let now = Date().millisecondsSince1970
    let batch = BatchRecord(
        id: SpoolID.make(), source: "b.json", claimName: nil, idempotencyKey: nil, folder: nil, createdAt: now)
    let jobs = options.enumerated().map { i, o in
        JobRecord(
            id: SpoolID.make(), batchId: batch.id, position: i, url: "https://example.com/\(i)", filename: nil,
            folder: nil, options: o, createdAt: now)
    }
    _ = try h.store.createBatch(batch, jobs: jobs)
    return jobs.map(\.id)
}

/// What a live attempt does when stopped: a cancel discards, a shutdown keeps the recording.
private func recordUntilStopped(_ spec: JobSpec, _ request: StopRequest) async -> JobOutcome {
    while !Task.isCancelled { try? await Task.sleep(for: .seconds(60)) }
    guard request.marked != .cancel else { return .cancelled }
    var result = JobResult()
    result.s3Key = "\(spec.id).mp4"
    result.stoppedReason = "shutdown"
    return .completed(result, PublishedOutput(OutputPublisher.Publication(keys: ["\(spec.id).mp4"], stagePaths: [])))
}

@Suite("Scheduler: live recordings")
struct LiveSchedulerTests {
    @Test("live recordings have their own slots: a running recording does not hold a download slot")
    func liveSlots() async throws {
        let gate = Gate()
        let fake = FakeExecutor { spec, _ in
            await gate.wait()
            return Outcomes.completed(spec)
        }
        try await withLiveHarness(slots: 1, liveSlots: 1, fake) { h in
            let live = JobOptions(liveRecording: true)
            let ids = try addJobs(h, [live, live]) + addJobs(h, [JobOptions()])
            try await h.running {
                // One recording (the live slot) and the normal download (its own slot) run together;
                // the second recording waits for the live slot.
                #expect(await eventually { fake.started.count == 2 })
                #expect(Set(fake.started) == [ids[0], ids[2]])
                #expect(h.status(ids[1])?.0 == .pending)
                gate.release()
                #expect(await eventually { ids.allSatisfy { h.status($0)?.0 == .completed } })
            }
            #expect(fake.highWater == 2)
        }
    }

    @Test("shutdown during a recording: the attempt's Completed outcome stands (stopped_reason shutdown)")
    func shutdownKeepsRecording() async throws {
        let fake = FakeExecutor(stoppable: { spec, _, stop in await recordUntilStopped(spec, stop) })
        try await withLiveHarness(fake) { h in
            let id = try addJobs(h, [JobOptions(liveRecording: true)])[0]
            try await h.running {
                #expect(await eventually { fake.current == 1 })
            }
            let job = try h.job(id)
            #expect(job.status == .completed)
            #expect(job.result?.stoppedReason == "shutdown")
            #expect(fake.log.withLock { $0.finished.count } == 1)
        }
    }

    @Test("cancel during a recording: the attempt sees the cancel mark and discards; Failed/Cancelled")
    func cancelDiscards() async throws {
        let fake = FakeExecutor(stoppable: { spec, _, stop in await recordUntilStopped(spec, stop) })
        try await withLiveHarness(fake) { h in
            let id = try addJobs(h, [JobOptions(liveRecording: true)])[0]
            try await h.running {
                #expect(await eventually { fake.current == 1 })
                #expect(await h.scheduler.cancel(jobID: id) == .stopping)
                #expect(await eventually { h.status(id).map { $0 == (.failed, .cancelled) } ?? false })
            }
            #expect(try h.job(id).result == nil)
            #expect(fake.log.withLock { $0.finished.isEmpty })
        }
    }

    @Test("a stream not up yet waits (Processing/Waiting, next_retry_at) and is looked at again until it starts")
    func waitsThenStarts() async throws {
        let fake = FakeExecutor { spec, attempt in
            if attempt < 3 {
                var waiting = FailureClass(
                    message: "The live stream has not started yet.", type: .warning, retryable: false)
                waiting.awaitingStart = true
                return .failed(waiting)
            }
            return Outcomes.completed(spec)
        }
        try await withLiveHarness(waitLimit: 60, fake) { h in
            let id = try addJobs(h, [JobOptions(liveRecording: true, waitForVideo: true)])[0]
            try await h.running {
                #expect(await eventually { h.status(id).map { $0 == (.processing, .waiting) } ?? false })
                let waiting = try h.job(id)
                let next = try #require(waiting.nextRetryAt)
                #expect(next - Date().millisecondsSince1970 > 500)
                #expect(waiting.downloadRetries == 0)
                #expect(await eventually(timeout: .seconds(15)) { h.status(id)?.0 == .completed })
            }
            #expect(fake.started.count == 3)
        }
    }

    @Test("past the wait limit the job fails with a message naming the limit")
    func waitLimit() async throws {
        let fake = FakeExecutor { _, _ in
            var waiting = FailureClass(
                message: "The live stream has not started yet.", type: .warning, retryable: false)
            waiting.awaitingStart = true
            return .failed(waiting)
        }
        try await withLiveHarness(waitLimit: 1, fake) { h in
            let id = try addJobs(h, [JobOptions(liveRecording: true, waitForVideo: true)])[0]
            try await h.running {
                #expect(await eventually(timeout: .seconds(10)) { h.status(id)?.0 == .failed })
            }
            let job = try h.job(id)
            #expect(job.error?.contains("wait_for_video_limit_s = 1 s") == true, "\(job.error ?? "")")
            #expect(job.errorType == .error)
            #expect(fake.started.count >= 2)
        }
    }
}
