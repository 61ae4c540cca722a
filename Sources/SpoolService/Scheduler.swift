import Foundation
import Logging
import SpoolCore
import SpoolPipeline
import SpoolStore
import Synchronization

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
        /// On a cluster node: seconds between claims while a slot is free (another node's new work wakes
        /// nothing here).
        package var claimPoll: Double

        package init(
            slots: Int, retries: Int, retryBaseDelay: Double, liveSlots: Int = 1, waitForVideoLimit: Double = 21_600,
            claimPoll: Double = 1
        ) {
            self.slots = slots
            self.retries = retries
            self.retryBaseDelay = retryBaseDelay
            self.liveSlots = liveSlots
            self.waitForVideoLimit = waitForVideoLimit
            self.claimPoll = claimPoll
        }

        /// When a job that did not finish gets another attempt.
        package var retryPolicy: RetryPolicy {
            RetryPolicy(maxRetries: retries, baseDelay: retryBaseDelay, waitForVideoLimit: waitForVideoLimit)
        }
    }

    /// The job queue, through the async seam: reading or saving a job suspends, never blocks a pool thread.
    let store: any JobStore
    let status: StatusWriter
    private let executor: any JobExecuting
    let paths: SpoolPaths
    let settings: Settings
    let logger: Logger
    /// Where attempts, progress and job ends are counted; nil records nothing (tests, metrics off).
    let metrics: SpoolMetrics?
    var running: [String: Task<Void, Never>] = [:]
    var cancelRequested: Set<String> = []
    /// Queued jobs whose cancel is being saved: not started meanwhile (the save and the start would race).
    var cancelling: Set<String> = []
    /// Running live recordings (counted against `liveSlots`, not `slots`) and each attempt's stop request.
    var liveRunning: Set<String> = []
    var stopRequests: [String: StopRequest] = [:]
    private var shuttingDown = false
    private var lastBatch: String?
    /// The one timer that wakes the loop when the earliest waiting retry (or wait_for_video poll) comes due.
    private var dueTimer: Task<Void, Never>?
    /// The waiting retries may have changed since the timer was armed (an attempt ended, a job was
    /// cancelled): the next turn reads them again. Accepted work alone does not, so a burst of accepted
    /// batches costs no extra reads.
    var dueTimerStale = true
    /// The queue could not be read on the last turn: look again shortly rather than wait for a wake-up.
    var queueReadFailed = false
    /// On a cluster node, the store with leases (Scheduler+Leases.swift); nil on one node.
    let leased: (any LeasedJobStore)?
    /// The task that checks the running jobs' leases every second while any run.
    var leaseWatch: Task<Void, Never>?
    /// Running jobs whose lease was lost: stopped, nothing of theirs published or saved.
    var leaseLost: Set<String> = []
    /// Claims are failing (the database unreachable): logged once, and once more when they work again.
    var claimsFailing = false
    /// Turns of the loop so far (each reads the queue); tests check that an idle scheduler takes none.
    private(set) var turns = 0
    private let wakeups: AsyncStream<Void>
    private let wakeup: AsyncStream<Void>.Continuation
    /// Set by `wake()` before it rings the stream, cleared by the turn that serves it. A ring left in the
    /// stream's buffer by a wake-up an earlier turn already served (it rang after that turn began) is then
    /// skipped, so `turns` counts only turns that had something to look at, and tests can tell when the
    /// last wake-up has been taken (`hasPendingWake`) instead of sleeping.
    private let wakeRequested = Atomic<Bool>(false)
    /// A cluster node's one record of a database outage (shared with ingest): a claim failure is reported
    /// there, so the node logs one line per outage, not one per part.
    let outage: IngestOutage?

    package init(
        store: any JobStore, status: StatusWriter, executor: any JobExecuting, paths: SpoolPaths, settings: Settings,
        metrics: SpoolMetrics? = nil, outage: IngestOutage? = nil, logger: Logger
    ) {
        self.metrics = metrics
        self.outage = outage
        self.store = store
        leased = store as? any LeasedJobStore
        self.status = status
        self.executor = executor
        self.paths = paths
        self.settings = settings
        self.logger = logger
        (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// New work may be there (a batch was accepted, a job ended, a retry came due).
    package nonisolated func wake() {
        wakeRequested.store(true, ordering: .sequentiallyConsistent)
        wakeup.yield()
    }

    /// A wake-up not yet taken by a turn of the loop.
    package nonisolated var hasPendingWake: Bool { wakeRequested.load(ordering: .sequentiallyConsistent) }

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
        wake()
        // On a cluster node, other nodes' changes wake the loop at once (the claim poll stays as the safety net).
        let listening = (store as? any JobWakeupSource).map { source in Task { await source.listenForWakeups(wake) } }
        defer { listening?.cancel() }
        for await _ in wakeups {
            if shuttingDown { break }
            // Cleared before this turn reads anything: a wake-up set after this point gets a turn of its own.
            guard wakeRequested.exchange(false, ordering: .sequentiallyConsistent) else { continue }
            turns += 1
            await fill()
            if dueTimerStale || queueReadFailed || leased != nil { await armDueTimer() }
        }
        dueTimer?.cancel()
        dueTimer = nil
        leaseWatch?.cancel()
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

    /// Starts jobs until the slots are full or nothing is due. Between `pickNext`'s reads other actor work
    /// may run (an attempt ends, a cancel); `pickNext` filters its candidates after its last read and the
    /// pick is recorded in `running` before the next suspension, so no job is started twice.
    private func fill() async {
        queueReadFailed = false
        while let (job, started) = await pickNext() {
            lastBatch = job.batchId
            let id = job.id
            if job.options.liveRecording { liveRunning.insert(id) }
            metrics?.attemptStarted()
            running[id] = Task { await self.execute(id, claimed: started ? job : nil) }
        }
        watchLeases()
    }

    /// Retries come due by time alone: after each turn, one timer is armed for the earliest `next_retry_at` of
    /// a waiting job (a backoff or a wait_for_video poll), and none when nothing waits. A retry that came due
    /// since `fill` looked gets an immediate turn; one left waiting for a slot is woken by the attempt that
    /// frees one.
    private func armDueTimer() async {
        dueTimer?.cancel()
        dueTimer = nil
        dueTimerStale = false
        let now = Date().millisecondsSince1970
        var deadline: Int64? = queueReadFailed ? now + Self.retryAfterReadFailure : nil
        let (liveFree, downloadFree) = freeSlots
        do {
            let processing = try await store.fetchJobs(status: .processing)
            for job in processing where job.step == .waiting && running[job.id] == nil {
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
        // A cluster node polls for claims while a slot is free: other nodes' new work rings no bell here.
        if leased != nil && (liveFree || downloadFree) {
            let poll = now + Int64(settings.claimPoll * 1000)
            deadline = min(deadline ?? poll, poll)
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

    /// Whether a live-recording slot and a download slot are free now.
    var freeSlots: (live: Bool, download: Bool) {
        (liveRunning.count < settings.liveSlots, running.count - liveRunning.count < settings.slots)
    }

    /// Milliseconds before the queue is read again after a failed read.
    static let retryAfterReadFailure: Int64 = 1_000

    /// The next job: Pending ones and due retries, round-robin over batches in creation order; `started` when
    /// a cluster claim already started it.
    private func pickNext() async -> (job: JobRecord, started: Bool)? {
        if let leased { return await claimNext(from: leased) }
        let now = Date().millisecondsSince1970
        let (liveFree, downloadFree) = freeSlots
        // Every slot busy: nothing could be taken, so the queue is not read (a burst of accepted batches
        // wakes the loop once per batch, and reading every batch's head each time made the burst quadratic).
        guard liveFree || downloadFree else { return nil }
        let candidates: [JobRecord]
        do {
            let due = try await store.fetchJobs(status: .processing).filter {
                $0.step == .waiting && ($0.nextRetryAt ?? 0) <= now
            }
            let kind: Bool? = liveFree && downloadFree ? nil : liveFree
            let heads = try await store.fetchPendingHeads(excluding: Set(running.keys), live: kind)
            // After the last suspension: `running` and `cancelling` are current here.
            candidates = (due + heads).filter {
                running[$0.id] == nil && !cancelling.contains($0.id)
                    && ($0.options.liveRecording ? liveFree : downloadFree)
            }
        } catch {
            logger.error("cannot read the queue", metadata: ["error": "\(error)"])
            queueReadFailed = true
            return nil
        }
        guard !candidates.isEmpty else { return nil }
        var batchOrder: [String] = []
        var firstOfBatch: [String: JobRecord] = [:]
        for job in candidates.sorted(by: {
            ($0.createdAt, $0.batchId, $0.position) < ($1.createdAt, $1.batchId, $1.position)
        })
        where firstOfBatch[job.batchId] == nil {
            firstOfBatch[job.batchId] = job
            batchOrder.append(job.batchId)
        }
        let next = RoundRobin.next(after: lastBatch, in: batchOrder)
        return next.flatMap { firstOfBatch[$0] }.map { ($0, false) }
    }

    // MARK: - Running

    private func execute(_ id: String, claimed: JobRecord?) async {
        defer {
            running[id] = nil
            leaseLost.remove(id)
            cancelRequested.remove(id)
            liveRunning.remove(id)
            stopRequests[id] = nil
            metrics?.attemptEnded()
            dueTimerStale = true
            wake()
        }
        let job: JobRecord
        do {
            if let claimed {
                job = claimed
            } else {
                guard let started = try await store.startAttempt(id: id, at: Date().millisecondsSince1970) else {
                    return
                }
                job = started
            }
        } catch {
            logger.error("cannot start job", metadata: ["job.id": "\(id)", "error": "\(error)"])
            return
        }
        // Cancelled or shut down while its start was being saved: no tool starts; it ends or goes back to the queue.
        if Task.isCancelled {
            await finish(id, outcome: .cancelled)
            return
        }
        await status.write(job: job)
        await status.writeBatch(id: job.batchId)
        logger.info("job started", metadata: ["job.id": "\(id)", "attempt": "\(job.attempt)", "url": "\(job.url)"])
        let spec = JobSpec(
            id: job.id, url: job.url, filename: job.filename, folder: job.folder, options: job.options,
            workDirectory: paths.workDirectory(job.id))
        let stop = StopRequest()
        if leaseLost.contains(id) { stop.mark(.cancel) }
        stopRequests[id] = stop
        var outcome = await executor.run(spec, stop: stop) { report in await self.record(report, jobID: id) }
        // A failure seen while the attempt was being stopped (cancel or shutdown) is an artefact of the
        // stop (a tool killed mid-way), not a verdict on the job.
        if Task.isCancelled {
            if case .completed = outcome {} else { outcome = .cancelled }
        }
        await finish(id, outcome: outcome)
    }

    private func record(_ report: JobReport, jobID: String) async {
        metrics?.progress(report, jobID: jobID)
        guard var job = try? await store.fetchJob(id: jobID), job.status == .processing else { return }
        switch report {
        case .step(let step):
            // A step the state machine refuses (a late report) changes nothing.
            guard (try? job.reach(step)) != nil else { return }
        case .progress(let progress):
            job.progress = progress
        }
        if await save(job, change: "progress") { await status.write(job: job) }
    }

    /// Carries an attempt's outcome into the store, then the status files. An outcome the state machine
    /// refuses (the job changed meanwhile) is logged and not saved.
    private func finish(_ id: String, outcome: JobOutcome) async {
        let job: JobRecord
        do {
            guard let found = try await store.fetchJob(id: id) else { return }
            job = found
        } catch {
            logger.error("cannot read job after its attempt", metadata: ["job.id": "\(id)", "error": "\(error)"])
            return
        }
        var saved = false
        var ended = job
        do {
            ended = try Self.settled(
                job, outcome: outcome, now: Date().millisecondsSince1970, policy: settings.retryPolicy,
                userCancelled: cancelRequested.contains(id), shuttingDown: shuttingDown, logger: logger)
            saved = await save(ended, change: "attempt ended")
        } catch {
            logger.error(
                "attempt outcome refused by the job state machine",
                metadata: [
                    "job.id": "\(id)", "status": "\(error.from.status.rawValue)", "step": "\(error.from.step.rawValue)",
                    "event": "\(error.event)",
                ])
        }
        if case .completed(_, let publication) = outcome {
            if saved && ended.status == .completed {
                executor.finish(publication)
            } else {
                executor.undo(jobID: id, folder: job.folder)
            }
        }
        // What the store holds now is what the status files show.
        let held = try? await store.fetchJob(id: id)
        if leaseLost.contains(id) {
            // Lease lost: the scratch goes, and with the store unreadable no status file is written.
            removeScratch(of: id)
            guard held != nil else { return }
        }
        var current = held ?? ended
        // A cancel that came while this end was being saved found the job still running: a job left waiting
        // or queued is cancelled now, before the attempt lets go of its slot (no suspension after this loop).
        while cancelRequested.contains(id) && !current.status.isTerminal {
            var cancelled = current
            guard (try? cancelled.cancel(at: Date().millisecondsSince1970)) != nil,
                await save(cancelled, change: "cancel")
            else { break }
            current = cancelled
        }
        metrics?.jobEnded(current)
        await status.write(job: current)
        await status.writeBatch(id: current.batchId)
        logger.info(
            "job ended attempt",
            metadata: ["job.id": "\(id)", "status": "\(current.status.rawValue)", "step": "\(current.step.rawValue)"])
    }

    /// Saves `job`; a save the store refuses (the job ended meanwhile) or cannot make is logged.
    func save(_ job: JobRecord, change: String) async -> Bool {
        do {
            if try await store.saveJob(job) { return true }
            logger.notice(
                "job not saved: it ended or went away meanwhile",
                metadata: ["job.id": "\(job.id)", "change": "\(change)", "status": "\(job.status.rawValue)"])
        } catch {
            logger.error(
                "cannot save job", metadata: ["job.id": "\(job.id)", "change": "\(change)", "error": "\(error)"])
        }
        return false
    }
}
