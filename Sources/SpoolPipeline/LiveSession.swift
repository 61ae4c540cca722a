import Foundation
import Logging
import SpoolCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One live attempt: the recording process, how it is stopped, and what it came to.
///
/// A shutdown while recording stops the recorder gracefully (SIGINT to its process group, so
/// yt-dlp and its ffmpeg finalise the file) and lets the attempt finish (convert, verify, publish)
/// outside the cancelled task when that is quick: a conversion that only remuxes, within
/// `shutdownFinishBudget` of the stop. A conversion that encodes video (a re-encode of a long
/// recording can take minutes), or one past the budget, is stopped at once instead, and the
/// finalised recording is kept for the next start with a `LiveResumeMarker` (folder-contract §8,
/// tool-behaviour §3). A cancel, or a shutdown before the recording, cancels the attempt's inner
/// task, which stops its tools the usual way (SIGINT, SIGTERM, SIGKILL).
///
/// A recorder that exits by itself because the stream was lost (ffmpeg takes a playlist that
/// answers 5xx as the end of the stream, tool-behaviour §1 / issue 5) is started again, from the live
/// edge, into a new part (`live-part-N/` in the work directory) while the reconnect grace lasts;
/// the parts are joined at the end (`LivePartJoiner`).
///
/// This file is the session's state machine; LiveSession+Recording.swift runs the recorder and
/// WorkDirectory+Live.swift finds what it recorded.
package final class LiveSession: Sendable {
    private enum Phase: Sendable {
        case preparing
        case recording(ToolExecution)
        /// Between two parts, waiting to start the recorder again.
        case reconnecting
        case finishing
    }
    private struct State: Sendable {
        var phase: Phase = .preparing
        var stop: StopRequest.Kind?
        var gracefulStop = false
        var stalled = false
        /// The stream was lost (a part ended with server errors) and has sent nothing since.
        var streamLost = false
        /// The stream was lost and did not come back within the reconnect grace.
        var lost = false
        var inner: Task<JobOutcome, Never>?
        /// Unique seconds recorded by the parts before the current one (its ffmpeg counts from 0).
        var offset: Double = 0
        /// Seconds at the start of the current part that the part before holds (nil: not compared yet).
        var repeated: Double? = 0
        /// The current part's own time (its ffmpeg's), -1 before its first progress.
        var partSeconds: Double = -1
        /// The current part follows a reconnect: spool, not the recorder, caps it at `max_duration`.
        var capsPart = false
        /// Spool stopped the part because the unique total reached `max_duration`.
        var capReached = false
        var lastRecorded: Double?
        var lastAdvance = ContinuousClock.now
        var notes: [String] = []
        /// When the shutdown's stop came: the finish budget counts from here.
        var shutdownAt: ContinuousClock.Instant?
        /// The shutdown stopped the attempt after the recording (an encode, or the budget ran out).
        var shutdownCancelled = false
        /// The conversion encodes video (nil: not planned yet).
        var encodesVideo: Bool?
    }

    private let state = Mutex(State())
    package let settings: LiveSettings
    package let maxDuration: Int?
    /// Starts the recorder and the probe (stopped with the live graces on a cancel).
    let runner: ToolRunner
    /// Joins the parts of a recording that reconnected; nil: no reconnecting (one part only).
    let joiner: LivePartJoiner?
    let logger: Logger?
    /// The recording an earlier attempt kept at shutdown: this attempt only converts and publishes it.
    let resumed: LiveResumeMarker?

    init(
        settings: LiveSettings, maxDuration: Int?, runner: ToolRunner = ToolRunner(), joiner: LivePartJoiner? = nil,
        logger: Logger? = nil, resumed: LiveResumeMarker? = nil
    ) {
        self.settings = settings
        self.maxDuration = maxDuration
        self.runner = runner
        self.joiner = joiner
        self.logger = logger
        self.resumed = resumed
        if let resumed {
            state.withLock { s in
                s.phase = .finishing
                s.lastRecorded = resumed.recordedSeconds
                s.notes = resumed.notes + [LiveResumeMarker.resumedNote]
            }
        }
    }

    /// The attempt's inner task; cancelled at once when a stop that discards came first.
    func attach(_ task: Task<JobOutcome, Never>) {
        let cancelNow = state.withLock { s -> Bool in
            s.inner = task
            return s.stop != nil
        }
        if cancelNow { task.cancel() }
    }

    /// The service stops the attempt (from the outer task's cancellation handler).
    func stop(_ kind: StopRequest.Kind) {
        enum Action {
            case cancelInner(Task<JobOutcome, Never>?)
            case interrupt(ToolExecution)
            case nothing
        }
        let action = state.withLock { s -> Action in
            if s.stop == nil { s.stop = kind }
            if kind == .shutdown && s.shutdownAt == nil { s.shutdownAt = .now }
            switch (kind, s.phase) {
            case (.shutdown, .recording(let recorder)):
                s.gracefulStop = true
                return .interrupt(recorder)
            case (.shutdown, .reconnecting):
                // The reconnect loop sees it and keeps what the earlier parts recorded.
                s.gracefulStop = true
                return .nothing
            case (.shutdown, .finishing):
                return .nothing
            default:
                return .cancelInner(s.inner)
            }
        }
        switch action {
        case .cancelInner(let task): task?.cancel()
        case .interrupt(let recorder): interrupt(recorder)
        case .nothing: break
        }
        if kind == .shutdown {
            stopFinishingIfDue()
            armFinishBudget()
        }
    }

    /// The shutdown's finish budget: when it runs out while the attempt converts, verifies or publishes,
    /// the attempt is stopped (its recording is kept for the next start, `resumeMarker`).
    private func armFinishBudget() {
        let budget = settings.shutdownFinishBudget
        Task {
            try? await Task.sleep(for: budget)
            self.stopFinishingIfDue()
        }
    }

    /// After a shutdown, cancels the inner task once the recording is over (a recorder still stopping is
    /// left to its stop ladder; `endRecording` looks again) and the conversion encodes video or the
    /// budget is spent.
    private func stopFinishingIfDue() {
        let inner = state.withLock { s -> Task<JobOutcome, Never>? in
            guard case .finishing = s.phase, s.stop == .shutdown, !s.shutdownCancelled, let at = s.shutdownAt,
                s.encodesVideo == true || ContinuousClock.now - at >= settings.shutdownFinishBudget
            else { return nil }
            s.shutdownCancelled = true
            return s.inner
        }
        guard let inner else { return }
        logger?.notice(
            "shutdown: the live recording's conversion is stopped; the recording is kept for the next start",
            metadata: ["budget_s": "\(Self.seconds(settings.shutdownFinishBudget))"])
        inner.cancel()
    }

    /// The conversion is planned: one that encodes video is not run during a shutdown.
    func beginConversion(encodesVideo: Bool) {
        state.withLock { $0.encodesVideo = encodesVideo }
        stopFinishingIfDue()
    }

    /// The shutdown stopped the attempt after its recording.
    var shutdownCancelled: Bool { state.withLock { $0.shutdownCancelled } }

    /// The marker that keeps this attempt's finalised recording (`finalPath`, inside the work directory at
    /// `workDirectory`) for the next start; nil when nothing was recorded.
    func resumeMarker(finalPath: String?, workDirectory: String) -> LiveResumeMarker? {
        if let resumed { return resumed }
        let (byShutdown, ended, recorded, notes) = state.withLock {
            ($0.stop == .shutdown && $0.gracefulStop, $0.stalled || $0.lost, $0.lastRecorded ?? 0, $0.notes)
        }
        guard recorded > 0, let finalPath,
            let media = LiveResumeMarker.relative(finalPath, toWorkDirectory: workDirectory)
        else { return nil }
        return LiveResumeMarker(
            media: media, recordedSeconds: recorded, stoppedByShutdown: byShutdown, streamEnded: ended, notes: notes)
    }

    var stopKind: StopRequest.Kind? { state.withLock { $0.stop } }
    var stoppedGracefully: Bool { state.withLock { $0.gracefulStop || $0.stalled } }
    var notes: [String] { state.withLock { $0.notes } }
    func note(_ text: String) { state.withLock { $0.notes.append(text) } }

    /// Why the recording ended, given the recorded duration (ffprobe's).
    func stoppedReason(duration: Double?) -> String {
        if let resumed {
            return LivePlan.stoppedReason(
                shutdown: resumed.stoppedByShutdown, stalled: resumed.streamEnded, maxDuration: maxDuration,
                recordedSeconds: duration)
        }
        let (shutdown, ended) = state.withLock {
            ($0.stop == .shutdown && $0.gracefulStop, $0.stalled || $0.lost)
        }
        return LivePlan.stoppedReason(
            shutdown: shutdown, stalled: ended, maxDuration: maxDuration, recordedSeconds: duration)
    }

    /// The recording process started. False when a shutdown came first (the caller stops it).
    /// The first part starts the no-new-media clock; a later part keeps counting from the last
    /// media, so restarts cannot stretch the grace.
    func beginRecording(_ recorder: ToolExecution, firstPart: Bool) -> Bool {
        state.withLock { s in
            s.phase = .recording(recorder)
            if firstPart { s.lastAdvance = .now }
            if s.stop == .shutdown {
                s.gracefulStop = true
                return false
            }
            return true
        }
    }

    /// The recording is over; a shutdown whose finish budget is already spent stops the attempt now.
    func endRecording() {
        state.withLock { $0.phase = .finishing }
        stopFinishingIfDue()
    }

    /// Between two runs of the recorder.
    func endPart() { state.withLock { $0.phase = .reconnecting } }

    /// A new part starts where the recording so far ends. `afterReconnect`: it may begin with
    /// seconds the part before holds; they count once compared (`repeatedSeconds`).
    func beginPart(offset: Double, afterReconnect: Bool = false) {
        state.withLock { s in
            s.offset = offset
            s.partSeconds = -1
            s.repeated = afterReconnect ? nil : 0
            s.capsPart = afterReconnect && maxDuration != nil
        }
    }

    /// The join of the current part with the one before is compared: its first `seconds` are
    /// repeated and do not count. The recording is stopped when its unique media reaches the cap.
    func repeatedSeconds(_ seconds: Double) {
        let (total, recorder) = state.withLock { s -> (Double, ToolExecution?) in
            s.repeated = seconds
            let time = LiveRecordedTime(offset: s.offset, repeated: seconds)
            if s.partSeconds >= 0 { s.lastRecorded = max(s.lastRecorded ?? 0, time.total(partSeconds: s.partSeconds)) }
            return (s.lastRecorded ?? 0, Self.capIfReached(&s, maxDuration: maxDuration))
        }
        logger?.info(
            "live part compared with the part before while recording",
            metadata: ["repeated_s": "\(seconds)", "recorded_s": "\(total)"])
        if let recorder { capped(recorder, total: total) }
    }

    /// Whether the current part's join is still to be compared.
    var seamPending: Bool { state.withLock { $0.repeated == nil } }

    /// The current part's own time so far.
    var partSeconds: Double { state.withLock { max(0, $0.partSeconds) } }

    /// Marks the cap reached and returns the recorder to stop, when the current part is capped by
    /// spool and its unique total reached `max_duration`.
    private static func capIfReached(_ s: inout State, maxDuration: Int?) -> ToolExecution? {
        guard s.capsPart, !s.capReached, s.partSeconds >= 0, case .recording(let recorder) = s.phase,
            LiveRecordedTime(offset: s.offset, repeated: s.repeated).reachedCap(
                partSeconds: s.partSeconds, maxDuration: maxDuration)
        else { return nil }
        s.capReached = true
        return recorder
    }

    /// The unique total reached `max_duration` in a part after a reconnect: stop it gracefully.
    private func capped(_ recorder: ToolExecution, total: Double) {
        logger?.notice("live recording reached max_duration", metadata: ["recorded_s": "\(total)"])
        interrupt(recorder)
    }

    /// The stream was lost: the watchdog now waits for it to come back.
    func streamWasLost() { state.withLock { $0.streamLost = true } }

    /// The recording ended with the stream lost (within the grace, or not back).
    var endedLost: Bool { state.withLock { $0.lost || $0.streamLost } }

    /// Records progress of the current part (`seconds` as its ffmpeg counts them); the total
    /// recorded time when it moved on.
    /// A part after a reconnect counts only past the seconds it repeats (`LiveRecordedTime`); until
    /// they are known its first window does not count, so the total never steps back (the
    /// `max` guards a comparison that lands after the part ran past the window).
    func advance(to seconds: Double) -> Double? {
        let (total, resumed, recorder, firstAfter) = state.withLock {
            s -> (Double?, Bool, ToolExecution?, Duration?) in
            // A part's 0 s is not progress (a recorder that only started); the first part's is.
            guard seconds > s.partSeconds, seconds > 0 || s.lastRecorded == nil else { return (nil, false, nil, nil) }
            let firstAfter = s.lastRecorded == nil ? ContinuousClock.now - s.lastAdvance : nil
            s.partSeconds = seconds
            let total = max(
                s.lastRecorded ?? 0,
                LiveRecordedTime(offset: s.offset, repeated: s.repeated).total(partSeconds: seconds))
            s.lastRecorded = total
            s.lastAdvance = .now
            defer { s.streamLost = false }
            return (total, s.streamLost, Self.capIfReached(&s, maxDuration: maxDuration), firstAfter)
        }
        if let firstAfter {
            // How long the recorder took to start (the watchdog's first-media allowance, `LiveWatchdog`).
            logger?.info("live recording: first media", metadata: ["after_s": "\(Self.seconds(firstAfter))"])
        }
        if resumed, let total {
            logger?.notice("live stream back; recording again", metadata: ["recorded_s": "\(total)"])
        }
        if let recorder, let total { capped(recorder, total: total) }
        return total
    }

    /// The stream was lost and the grace is over: the recording ends with what it has.
    func markLost() {
        state.withLock { $0.lost = true }
        note(
            "the stream was lost and did not come back within \(Int(settings.reconnectGrace.components.seconds)) s (live_reconnect_grace_s); what was recorded was kept"
        )
        logger?.notice("live stream lost; reconnect grace over", metadata: ["recorded_s": "\(recordedSoFar)"])
    }

    /// Seconds recorded so far, all parts together.
    var recordedSoFar: Double { state.withLock { $0.lastRecorded ?? 0 } }
    /// The watchdog ended a recording that never sent media (the recorder's own error then only says that
    /// ffmpeg was interrupted).
    var stalledBeforeMedia: Bool { state.withLock { $0.stalled && $0.lastRecorded == nil } }
    var sinceLastMedia: Duration { state.withLock { ContinuousClock.now - $0.lastAdvance } }
    /// A stop that ends the recording: shutdown, cancel, the watchdog.
    var stopRequested: Bool {
        state.withLock { $0.stop != nil || $0.gracefulStop || $0.stalled || $0.lost || $0.capReached }
    }

    /// The watchdog: no new media for the reconnect grace period ends the recording gracefully
    /// (during a reconnect, it is the stream that was lost that did not come back in time); a
    /// recorder still starting (no media yet) gets the longer first-media allowance (`LiveWatchdog`).
    func checkStall() {
        let stalled = state.withLock { s -> (recorder: ToolExecution, lost: Bool, allowance: Duration)? in
            let mediaSeen = s.lastRecorded != nil
            guard case .recording(let recorder) = s.phase, !s.stalled, !s.lost, !s.gracefulStop, !s.capReached,
                LiveWatchdog.isStalled(
                    sinceLastMedia: ContinuousClock.now - s.lastAdvance, mediaSeen: mediaSeen, settings: settings)
            else { return nil }
            if !s.streamLost { s.stalled = true }
            return (recorder, s.streamLost, LiveWatchdog.allowance(mediaSeen: mediaSeen, settings: settings))
        }
        guard let stalled else { return }
        if stalled.lost {
            markLost()
        } else {
            note(
                "the stream sent no new media for \(Int(stalled.allowance.components.seconds)) s and was taken as ended"
            )
        }
        interrupt(stalled.recorder)
    }

    /// SIGINT to the recorder's process group (both yt-dlp and its ffmpeg finalise on it), a
    /// second SIGINT after 2 s (an ffmpeg waiting on a stale playlist ignores the first; measured:
    /// the second one stops it with a finalised file), then SIGTERM and SIGKILL if it is still
    /// recording after the graces (tool-behaviour §1, §2).
    func interrupt(_ recorder: ToolExecution) {
        recorder.stop([
            ToolStopStep(SIGINT, then: .seconds(2)),
            ToolStopStep(SIGINT, then: settings.interruptGrace - .seconds(2)),
            ToolStopStep(SIGTERM, then: settings.terminateGrace),
        ])
    }
}
