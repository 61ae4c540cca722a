import Foundation
import Logging
import SpoolCore
import SpoolPipeline
import SpoolStore

/// Decides which job runs next and carries each attempt's outcome into the store and the status files.
///
/// FIFO inside a batch, round-robin between batches (one big batch does not starve a small one),
/// at most `slots` jobs at once. Technical failures wait (`Processing`/`Waiting`, `next_retry_at`)
/// with exponential backoff and jitter, without holding a slot. An actor: the running set and the
/// round-robin cursor are its state.
package actor Scheduler {
    /// Limits and retry policy.
    package struct Settings: Sendable {
        package var slots: Int
        package var retries: Int
        package var retryBaseDelay: Double
        /// Live recordings run in their own slots: they can last hours and must not hold download slots.
        package var liveSlots: Int
        /// How long a `wait_for_video` job waits for its stream to start (from its first attempt).
        package var waitForVideoLimit: Double

        package init(
            slots: Int, retries: Int, retryBaseDelay: Double, liveSlots: Int = 1, waitForVideoLimit: Double = 21_600
        ) {
            self.slots = slots
            self.retries = retries
            self.retryBaseDelay = retryBaseDelay
            self.liveSlots = liveSlots
            self.waitForVideoLimit = waitForVideoLimit
        }
    }

    private let store: Store
    private let status: StatusWriter
    private let executor: any JobExecuting
    private let paths: SpoolPaths
    private let settings: Settings
    private let logger: Logger
    private var running: [String: Task<Void, Never>] = [:]
    private var cancelRequested: Set<String> = []
    /// Running live recordings (counted against `liveSlots`, not `slots`) and each attempt's stop request.
    private var liveRunning: Set<String> = []
    private var stopRequests: [String: StopRequest] = [:]
    private var shuttingDown = false
    private var lastBatch: String?
    /// The one timer that wakes the loop when the earliest waiting retry (or wait_for_video poll) comes due.
    private var dueTimer: Task<Void, Never>?
    /// The waiting retries may have changed since the timer was armed (an attempt ended, a job was
    /// cancelled): the next turn reads them again. Accepted work alone does not, so a burst of accepted
    /// batches costs no extra reads.
    private var dueTimerStale = true
    /// The queue could not be read on the last turn: look again shortly rather than wait for a wake-up.
    private var queueReadFailed = false
    /// Turns of the loop so far (each reads the queue); tests check that an idle scheduler takes none.
    private(set) var turns = 0
    private let wakeups: AsyncStream<Void>
    private let wakeup: AsyncStream<Void>.Continuation

    package init(
        store: Store, status: StatusWriter, executor: any JobExecuting, paths: SpoolPaths, settings: Settings,
        logger: Logger
    ) {
        self.store = store
        self.status = status
        self.executor = executor
        self.paths = paths
        self.settings = settings
        self.logger = logger
        (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// New work may be there (a batch was accepted, a job ended, a retry came due).
    package nonisolated func wake() { wakeup.yield() }

    /// IDs of the jobs running now.
    package var runningJobIDs: Set<String> { Set(running.keys) }

    /// Runs until `beginShutdown`; then stops every running tool, puts those jobs back to Pending
    /// and returns once they have all stopped.
    ///
    /// Event-driven: the loop runs when woken (work accepted, an attempt ended, a control request, shutdown)
    /// and when the earliest retry deadline comes, and sleeps in between, however long that is.
    package func run() async {
        // The first turn needs no wake-up: jobs requeued at start-up, and retries waiting from before, are
        // already in the queue.
        wakeup.yield()
        for await _ in wakeups {
            if shuttingDown { break }
            turns += 1
            fill()
            if dueTimerStale || queueReadFailed { armDueTimer() }
        }
        dueTimer?.cancel()
        dueTimer = nil
        let tasks = Array(running.values)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        logger.info("scheduler stopped", metadata: ["interrupted": "\(tasks.count)"])
    }

    /// Stop taking work; running jobs are interrupted and requeued.
    package func beginShutdown() {
        shuttingDown = true
        wakeup.yield()
        wakeup.finish()
    }

    // MARK: - Picking

    private func fill() {
        queueReadFailed = false
        while let job = pickNext() {
            lastBatch = job.batchId
            let id = job.id
            if job.options.liveRecording { liveRunning.insert(id) }
            SpoolMetrics.attemptStarted()
            running[id] = Task { await self.execute(id) }
        }
    }

    /// Retries come due by time alone: after each turn, one timer is armed for the earliest `next_retry_at` of
    /// a waiting job (a backoff or a wait_for_video poll), and none when nothing waits. A retry that came due
    /// since `fill` looked gets an immediate turn; one left waiting for a slot is woken by the attempt that
    /// frees one.
    private func armDueTimer() {
        dueTimer?.cancel()
        dueTimer = nil
        dueTimerStale = false
        let now = Date().millisecondsSince1970
        var deadline: Int64? = queueReadFailed ? now + Self.retryAfterReadFailure : nil
        let liveFree = liveRunning.count < settings.liveSlots
        let downloadFree = running.count - liveRunning.count < settings.slots
        do {
            for job in try store.jobs(status: .processing) where job.step == .waiting && running[job.id] == nil {
                guard let at = job.nextRetryAt else { continue }
                // Due already: it came due after `fill` looked (a short backoff), so take it on the next turn,
                // unless no slot of its kind is free (then the attempt that frees one wakes the loop).
                if at <= now, !(job.options.liveRecording ? liveFree : downloadFree) { continue }
                deadline = min(deadline ?? at, at)
            }
        } catch {
            logger.error("cannot read the waiting retries", metadata: ["error": "\(error)"])
            deadline = now + Self.retryAfterReadFailure
        }
        guard let deadline else { return }
        // +1 ms: next_retry_at has millisecond resolution, and the job must be due when the loop looks.
        let delay = Duration.milliseconds(max(0, deadline - now) + 1)
        dueTimer = Task {
            try? await Task.sleep(for: delay)
            if !Task.isCancelled { self.dueTimerFired() }
        }
    }

    /// The timer's deadline came: the next turn takes what is due and arms the timer afresh (even if the clock
    /// it slept on ran a hair ahead of the wall clock and nothing is due yet).
    private func dueTimerFired() {
        dueTimerStale = true
        wake()
    }

    /// Milliseconds before the queue is read again after a failed read.
    static let retryAfterReadFailure: Int64 = 1_000

    /// The next job: Pending ones and due retries, round-robin over batches in creation order.
    private func pickNext() -> JobRecord? {
        let now = Date().millisecondsSince1970
        let liveFree = liveRunning.count < settings.liveSlots
        let downloadFree = running.count - liveRunning.count < settings.slots
        // Every slot busy: nothing could be taken, so the queue is not read (a burst of accepted batches
        // wakes the loop once per batch, and reading every batch's head each time made the burst quadratic).
        guard liveFree || downloadFree else { return nil }
        let candidates: [JobRecord]
        do {
            let due = try store.jobs(status: .processing).filter {
                $0.step == .waiting && ($0.nextRetryAt ?? 0) <= now
            }
            let kind: Bool? = liveFree && downloadFree ? nil : liveFree
            candidates = (due + (try store.pendingHeads(excluding: Set(running.keys), live: kind))).filter {
                running[$0.id] == nil && ($0.options.liveRecording ? liveFree : downloadFree)
            }
        } catch {
            logger.error("cannot read the queue", metadata: ["error": "\(error)"])
            queueReadFailed = true
            return nil
        }
        guard !candidates.isEmpty else { return nil }
        var batchOrder: [String] = []
        var firstOfBatch: [String: JobRecord] = [:]
        for job in candidates.sorted(by: { ($0.createdAt, $0.batchId, $0.position) < ($1.createdAt, $1.batchId, $1.position) })
        where firstOfBatch[job.batchId] == nil {
            firstOfBatch[job.batchId] = job
            batchOrder.append(job.batchId)
        }
        let next = RoundRobin.next(after: lastBatch, in: batchOrder)
        return next.flatMap { firstOfBatch[$0] }
    }

    // MARK: - Running

    private func execute(_ id: String) async {
        defer {
            running[id] = nil
            cancelRequested.remove(id)
            liveRunning.remove(id)
            stopRequests[id] = nil
            SpoolMetrics.attemptEnded()
            dueTimerStale = true
            wake()
        }
        guard let job = try? store.startJob(id: id, at: Date().millisecondsSince1970) else { return }
        status.write(job: job)
        status.writeBatch(id: job.batchId)
        logger.info("job started", metadata: ["job.id": "\(id)", "attempt": "\(job.attempt)", "url": "\(job.url)"])
        let spec = JobSpec(
            id: job.id, url: job.url, filename: job.filename, folder: job.folder, options: job.options,
            workDirectory: paths.workDirectory(job.id))
        let stop = StopRequest()
        stopRequests[id] = stop
        var outcome = await executor.run(spec, stop: stop) { report in await self.record(report, jobID: id) }
        // A failure seen while the attempt was being stopped (cancel or shutdown) is an artefact of the
        // stop (a tool killed mid-way), not a verdict on the job.
        if Task.isCancelled {
            if case .completed = outcome {} else { outcome = .cancelled }
        }
        finish(id, outcome: outcome)
    }

    private func record(_ report: JobReport, jobID: String) {
        SpoolMetrics.progress(report, jobID: jobID)
        guard var job = try? store.job(id: jobID), job.status == .processing else { return }
        switch report {
        case .step(let step):
            guard let next = job.state.apply(.step(step)) else { return }
            job.state = next
            if step != .downloading { job.progress = nil }
        case .progress(let progress):
            job.progress = progress
        }
        if (try? store.save(job)) == true { status.write(job: job) }
    }

    private func finish(_ id: String, outcome: JobOutcome) {
        guard var job = try? store.job(id: id) else { return }
        let now = Date().millisecondsSince1970
        job.progress = nil
        switch outcome {
        case .completed(let result, let publication):
            job.state = job.state.apply(.complete) ?? job.state
            job.result = result
            job.finishedAt = now
            if (try? store.save(job)) == true && job.status == .completed {
                executor.finish(publication)
            } else {
                executor.undo(jobID: id, folder: job.folder)
            }
        case .failed(let failure) where failure.awaitingStart:
            // wait_for_video: the stream is not up yet; look again later, up to the limit (SPEC §3).
            let waitedSeconds = Double(now - (job.startedAt ?? now)) / 1000
            let remaining = settings.waitForVideoLimit - waitedSeconds
            if remaining > 0 {
                job.state = job.state.apply(.retryScheduled) ?? job.state
                job.nextRetryAt = now + Int64(LivePlan.pollDelay(poll: job.attempt, remaining: remaining) * 1000)
            } else {
                job.state = job.state.apply(.fail(.error)) ?? job.state
                job.error = LivePlan.waitLimitMessage(limitSeconds: settings.waitForVideoLimit)
                job.errorType = .error
                job.finishedAt = now
                job.nextRetryAt = nil
            }
            _ = try? store.save(job)
        case .failed(let failure):
            if failure.retryable && job.downloadRetries < settings.retries && !shuttingDown {
                job.downloadRetries += 1
                job.state = job.state.apply(.retryScheduled) ?? job.state
                let delay = RoundRobin.backoff(base: settings.retryBaseDelay, retry: job.downloadRetries)
                job.nextRetryAt = now + Int64(delay * 1000)
                job.error = failure.message
                logger.info(
                    "job will be retried",
                    metadata: ["job.id": "\(id)", "retry": "\(job.downloadRetries)", "delay_s": "\(delay)"])
            } else {
                job.state = job.state.apply(.fail(failure.type)) ?? job.state
                job.error = failure.message
                job.errorType = failure.type
                job.finishedAt = now
                job.nextRetryAt = nil
            }
            _ = try? store.save(job)
        case .skipped(let message):
            job.state = job.state.apply(.skip) ?? job.state
            job.error = message
            job.errorType = .warning
            job.finishedAt = now
            _ = try? store.save(job)
        case .cancelled:
            if cancelRequested.contains(id) {
                job.state = job.state.apply(.cancel) ?? job.state
                job.error = "Job cancelled by user"
                job.errorType = .error
                job.finishedAt = now
            } else {
                // Shutdown: back to the queue, not Failed (SPEC §8).
                job.state = job.state.apply(.requeue) ?? job.state
                job.nextRetryAt = nil
            }
            _ = try? store.save(job)
        }
        let saved = (try? store.job(id: id)) ?? job
        SpoolMetrics.jobEnded(saved)
        status.write(job: saved)
        status.writeBatch(id: saved.batchId)
        logger.info(
            "job ended attempt",
            metadata: ["job.id": "\(id)", "status": "\(saved.status.rawValue)", "step": "\(saved.step.rawValue)"])
    }

    // MARK: - Control

    /// What a cancel request came to.
    package enum CancelResult: Sendable, Equatable {
        case cancelled
        case stopping
        case notCancellable(String)
        case unknown
    }

    /// Cancels a job: a queued one ends at once, a running one has its tools stopped.
    package func cancel(jobID: String) -> CancelResult {
        guard var job = try? store.job(id: jobID) else { return .unknown }
        if job.status.isTerminal {
            return .notCancellable("job \(jobID) has already finished (\(job.status.rawValue))")
        }
        if let task = running[jobID] {
            cancelRequested.insert(jobID)
            stopRequests[jobID]?.mark(.cancel)
            task.cancel()
            return .stopping
        }
        guard let next = job.state.apply(.cancel) else { return .notCancellable("job \(jobID) cannot be cancelled") }
        job.state = next
        job.progress = nil
        job.nextRetryAt = nil
        job.error = "Job cancelled by user"
        job.errorType = .error
        job.finishedAt = Date().millisecondsSince1970
        guard (try? store.save(job)) == true else { return .notCancellable("job \(jobID) changed; try again") }
        dueTimerStale = true
        SpoolMetrics.jobEnded(job)
        status.write(job: job)
        status.writeBatch(id: job.batchId)
        return .cancelled
    }
}

/// The pure parts of scheduling: the round-robin cursor and the retry delay.
package enum RoundRobin {
    /// The batch after `last` in `order` (cyclic); the first one when `last` is unknown.
    package static func next(after last: String?, in order: [String]) -> String? {
        guard !order.isEmpty else { return nil }
        guard let last, let index = order.firstIndex(of: last) else { return order[0] }
        return order[(index + 1) % order.count]
    }

    /// Exponential backoff with jitter: base · 2^(retry−1), scaled by a random 0.5…1.0.
    package static func backoff(base: Double, retry: Int, jitter: Double = Double.random(in: 0.5...1.0)) -> Double {
        base * pow(2, Double(max(0, retry - 1))) * jitter
    }
}
