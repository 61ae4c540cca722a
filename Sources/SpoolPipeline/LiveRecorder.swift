import Foundation
import Logging
import SpoolCore
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Why the service is stopping a running attempt. The scheduler marks a `cancel/` request before it
/// cancels the attempt's task; a cancellation without a mark is a shutdown.
package final class StopRequest: Sendable {
    package enum Kind: Sendable, Equatable {
        /// `cancel/<id>`: stop everything and discard what was recorded.
        case cancel
        /// Graceful shutdown: a live recording is finalised and kept (SPEC §8).
        case shutdown
    }

    /// The request of the attempt running in this task (set by the scheduler around `run`).
    @TaskLocal package static var current: StopRequest?

    private let kind = Mutex<Kind?>(nil)

    package init() {}

    package func mark(_ kind: Kind) { self.kind.withLock { if $0 == nil { $0 = kind } } }
    package var marked: Kind? { kind.withLock { $0 } }
}

/// Settings of live recordings (configuration keys `live_reconnect_grace_s`).
package struct LiveSettings: Sendable {
    /// How long a recording may receive no new media before it is taken as ended (a stream that
    /// stops without `#EXT-X-ENDLIST` would otherwise be polled forever, yt-dlp-lab §4).
    package var reconnectGrace: Duration
    /// After a graceful stop (SIGINT to the group), how long before SIGTERM, then SIGKILL.
    package var interruptGrace: Duration
    package var terminateGrace: Duration

    package init(
        reconnectGrace: Duration = .seconds(30), interruptGrace: Duration = .seconds(5),
        terminateGrace: Duration = .seconds(2)
    ) {
        self.reconnectGrace = reconnectGrace
        self.interruptGrace = interruptGrace
        self.terminateGrace = terminateGrace
    }
}

/// One live attempt: the recording process, how it is stopped, and what it came to.
///
/// A shutdown while recording stops the recorder gracefully (SIGINT to its process group, so
/// yt-dlp and its ffmpeg finalise the file) and lets the attempt finish (convert, verify, publish)
/// outside the cancelled task. A cancel, or a shutdown before or after the recording, cancels the
/// attempt's inner task, which stops its tools the usual way (SIGINT, SIGTERM, SIGKILL).
package final class LiveSession: Sendable {
    private enum Phase: Sendable {
        case preparing
        case recording(pid_t)
        case finishing
    }
    private struct State: Sendable {
        var phase: Phase = .preparing
        var stop: StopRequest.Kind?
        var gracefulStop = false
        var stalled = false
        var inner: Task<JobOutcome, Never>?
        var lastRecorded: Double?
        var lastAdvance = ContinuousClock.now
        var notes: [String] = []
    }

    private let state = Mutex(State())
    package let settings: LiveSettings
    package let maxDuration: Int?

    package init(settings: LiveSettings, maxDuration: Int?) {
        self.settings = settings
        self.maxDuration = maxDuration
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
            case interrupt(pid_t)
            case nothing
        }
        let action = state.withLock { s -> Action in
            if s.stop == nil { s.stop = kind }
            switch (kind, s.phase) {
            case (.shutdown, .recording(let pid)):
                s.gracefulStop = true
                return .interrupt(pid)
            case (.shutdown, .finishing):
                return .nothing
            default:
                return .cancelInner(s.inner)
            }
        }
        switch action {
        case .cancelInner(let task): task?.cancel()
        case .interrupt(let pid): interrupt(pid)
        case .nothing: break
        }
    }

    var stopKind: StopRequest.Kind? { state.withLock { $0.stop } }
    var stoppedGracefully: Bool { state.withLock { $0.gracefulStop || $0.stalled } }
    var notes: [String] { state.withLock { $0.notes } }
    func note(_ text: String) { state.withLock { $0.notes.append(text) } }

    /// Why the recording ended, given the recorded duration (ffprobe's).
    func stoppedReason(duration: Double?) -> String {
        let (shutdown, stalled) = state.withLock { ($0.stop == .shutdown && $0.gracefulStop, $0.stalled) }
        return LivePlan.stoppedReason(
            shutdown: shutdown, stalled: stalled, maxDuration: maxDuration, recordedSeconds: duration)
    }

    /// The recording process started. False when a shutdown came first (the caller stops it).
    private func beginRecording(pid: pid_t) -> Bool {
        state.withLock { s in
            s.phase = .recording(pid)
            s.lastAdvance = .now
            if s.stop == .shutdown {
                s.gracefulStop = true
                return false
            }
            return true
        }
    }

    private func endRecording() { state.withLock { $0.phase = .finishing } }

    /// Records progress; true when the recorded time moved on.
    private func advance(to seconds: Double) -> Bool {
        state.withLock { s in
            guard seconds > (s.lastRecorded ?? -1) else { return false }
            s.lastRecorded = seconds
            s.lastAdvance = .now
            return true
        }
    }

    /// The watchdog: no new media for the reconnect grace period ends the recording gracefully.
    private func checkStall() {
        let pid = state.withLock { s -> pid_t? in
            guard case .recording(let pid) = s.phase, !s.stalled, !s.gracefulStop,
                ContinuousClock.now - s.lastAdvance > settings.reconnectGrace
            else { return nil }
            s.stalled = true
            return pid
        }
        if let pid {
            note(
                "the stream sent no new media for \(Int(settings.reconnectGrace.components.seconds)) s and was taken as ended"
            )
            interrupt(pid)
        }
    }

    /// SIGINT to the recorder's process group (both yt-dlp and its ffmpeg finalise on it), a
    /// second SIGINT after 2 s (an ffmpeg waiting on a stale playlist ignores the first; measured:
    /// the second one stops it with a finalised file), then SIGTERM and SIGKILL if it is still
    /// recording after the graces (yt-dlp-lab §4, §7).
    private func interrupt(_ pid: pid_t) {
        _ = kill(-pid, SIGINT)
        let settings = settings
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(2))
            guard let self, self.isRecording(pid) else { return }
            _ = kill(-pid, SIGINT)
            try? await Task.sleep(for: settings.interruptGrace - .seconds(2))
            guard self.isRecording(pid) else { return }
            _ = kill(-pid, SIGTERM)
            try? await Task.sleep(for: settings.terminateGrace)
            guard self.isRecording(pid) else { return }
            _ = kill(-pid, SIGKILL)
        }
    }

    private func isRecording(_ pid: pid_t) -> Bool {
        state.withLock { if case .recording(let p) = $0.phase { return p == pid } else { return false } }
    }

    /// Runs the recorder (yt-dlp) until the stream ends, `max_duration` is reached (yt-dlp's own
    /// `-t`), the watchdog fires or the service stops it. Reports `{recorded_s, max_duration_s}`
    /// at most twice a second.
    func record(
        tool: String, arguments: [String], workDirectory: String,
        report: @escaping @Sendable (JobReport) async -> Void
    ) async throws -> ToolResult {
        let executable: Executable = tool.contains("/") ? .path(FilePath(tool)) : .name(tool)
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [
            .send(signal: .interrupt, toProcessGroup: true, allowedDurationToNextStep: settings.interruptGrace),
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: settings.terminateGrace),
        ]
        let cap = self.maxDuration.map { Double($0) }
        let throttle = ProgressThrottle()
        await report(.progress(JobProgress(recordedSeconds: 0, maxDurationSeconds: cap)))
        defer { endRecording() }
        let result = try await Subprocess.run(
            executable, arguments: Arguments(arguments), environment: .inherit,
            workingDirectory: FilePath(workDirectory), platformOptions: options,
            input: .none, output: .sequence, error: .sequence
        ) { execution -> [String] in
            let pid = execution.processIdentifier.value
            if !self.beginRecording(pid: pid) { self.interrupt(pid) }
            return try await withThrowingTaskGroup(of: [String]?.self) { group in
                group.addTask {
                    for try await _ in execution.standardOutput.strings() {}
                    return nil
                }
                group.addTask {
                    var tail: [String] = []
                    for try await line in execution.standardError.strings() {
                        if let t = LivePlan.recordedSeconds(inLine: line) {
                            if self.advance(to: t), await throttle.shouldReport(final: false) {
                                let recorded = (t * 10).rounded(.down) / 10
                                await report(.progress(JobProgress(recordedSeconds: recorded, maxDurationSeconds: cap)))
                            }
                        } else if !line.isEmpty {
                            tail.append(line)
                            if tail.count > 40 { tail.removeFirst(tail.count - 40) }
                        }
                    }
                    return tail
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .milliseconds(500))
                        self.checkStall()
                    }
                    return nil
                }
                var tail: [String] = []
                var streamsDone = 0
                while streamsDone < 2, let value = try await group.next() {
                    streamsDone += 1
                    if let value { tail = value }
                }
                group.cancelAll()
                return tail
            }
        }
        var exitCode: Int32?
        var signal: Int32?
        switch result.terminationStatus {
        case .exited(let code): exitCode = code
        case .signaled(let sig): signal = sig
        }
        let tail = Array(result.closureResult.suffix(20))
        let cancelled = Task.isCancelled
        // A recording the service stopped (shutdown, watchdog) keeps what it has even when the
        // recorder did not exit cleanly: the file is probed and converted like any other.
        if !cancelled, stoppedGracefully, exitCode != 0 || !hasFinalPath(workDirectory),
            let media = Self.recordedFile(in: workDirectory)
        {
            try? media.write(
                toFile: workDirectory + "/" + DownloadPlan.finalPathFile, atomically: true, encoding: .utf8)
            exitCode = 0
            signal = nil
        }
        return ToolResult(exitCode: exitCode, signal: signal, stderrTail: tail, cancelled: cancelled)
    }

    private func hasFinalPath(_ work: String) -> Bool {
        let text = try? String(contentsOfFile: work + "/" + DownloadPlan.finalPathFile, encoding: .utf8)
        guard let path = text?.split(whereSeparator: \.isNewline).first else { return false }
        return FileManager.default.fileExists(atPath: String(path))
    }

    /// The largest non-empty `media.*` media file in the work directory (a recording whose
    /// recorder was stopped before it could say where it wrote).
    static func recordedFile(in work: String) -> String? {
        let fm = FileManager.default
        let side: Set<String> = ["json", "txt", "vtt", "jpg", "ytdl"]
        let names = ((try? fm.contentsOfDirectory(atPath: work)) ?? []).filter { name in
            name.hasPrefix("media.") && !side.contains((name as NSString).pathExtension)
        }
        let sized = names.compactMap { name -> (String, Int64)? in
            let path = work + "/" + name
            let size = ((try? fm.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
            return size > 0 ? (path, size) : nil
        }
        return sized.max { $0.1 < $1.1 }?.0
    }

    /// The `-J` probe. Nil output when yt-dlp failed (its stderr tail says why).
    func probe(tool: String, url: String, socketTimeout: Int, workDirectory: String) async throws
        -> (probe: LiveProbe?, result: ToolResult)
    {
        let executable: Executable = tool.contains("/") ? .path(FilePath(tool)) : .name(tool)
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [
            .send(signal: .interrupt, toProcessGroup: true, allowedDurationToNextStep: .seconds(2)),
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(1)),
        ]
        let result = try await Subprocess.run(
            executable, arguments: Arguments(LivePlan.probeArguments(url: url, socketTimeout: socketTimeout)),
            environment: .inherit, workingDirectory: FilePath(workDirectory), platformOptions: options,
            input: .none, output: .string(limit: 64 << 20), error: .string(limit: 4 << 20))
        var exitCode: Int32?
        var signal: Int32?
        switch result.terminationStatus {
        case .exited(let code): exitCode = code
        case .signaled(let sig): signal = sig
        }
        let tail = result.standardError.split(whereSeparator: \.isNewline).suffix(20).map(String.init)
        let run = ToolResult(exitCode: exitCode, signal: signal, stderrTail: tail, cancelled: Task.isCancelled)
        guard exitCode == 0 else { return (nil, run) }
        let json: String? = result.standardOutput
        return (LiveProbe(json: json.map { Data($0.utf8) }), run)
    }
}

extension JobRunner {
    /// A `live_recording` attempt (SPEC §3): probe, then record (or download normally when the
    /// URL is not live), then the usual convert → verify → publish.
    ///
    /// Shutdown vs cancel: the attempt runs in an inner task that the caller's cancellation does
    /// not reach directly; the `StopRequest` the scheduler marked says which stop it is.
    func liveAttempt(_ spec: JobSpec, report: @escaping @Sendable (JobReport) async -> Void) async -> JobOutcome {
        let request = StopRequest.current
        let session = LiveSession(settings: live, maxDuration: spec.options.maxDuration)
        let outcome = await withTaskCancellationHandler {
            let inner = Task { await self.liveBody(spec, session: session, report: report) }
            session.attach(inner)
            return await inner.value
        } onCancel: {
            session.stop(request?.marked == .cancel ? .cancel : .shutdown)
        }
        if session.stopKind == .cancel, case .completed = outcome {
            // Cancelled after the recording was published: take it back.
            publisher.recover(jobID: spec.id, folder: spec.folder)
            return .cancelled
        }
        return outcome
    }

    private func liveBody(
        _ spec: JobSpec, session: LiveSession, report: @escaping @Sendable (JobReport) async -> Void
    ) async -> JobOutcome {
        do {
            if refusePrivateNetwork, let refusal = NetworkPolicy.refusal(forURL: spec.url) {
                return .failed(FailureClass(message: refusal, type: .error, retryable: false))
            }
            await report(.step(.downloading))
            let (probe, probeRun) = try await session.probe(
                tool: tools.ytDlp, url: spec.url, socketTimeout: tools.socketTimeout, workDirectory: spec.workDirectory)
            if probeRun.cancelled || Task.isCancelled { return .cancelled }
            let notStarted: Bool
            if let probe {
                notStarted = probe.isUpcoming
            } else if probeRun.exitCode == 0 {
                return .failed(
                    FailureClass(
                        message: "The URL did not lead to a playable video or audio file.", type: .warning,
                        retryable: false))
            } else {
                notStarted = LivePlan.isNotStartedYet(stderr: probeRun.stderrTail)
                if !notStarted {
                    return .failed(
                        ErrorClassifier.classifyDownload(
                            exitCode: probeRun.exitCode, signal: probeRun.signal, stderr: probeRun.stderrTail))
                }
            }
            if notStarted {
                if spec.options.waitForVideo {
                    var waiting = FailureClass(
                        message: "The live stream has not started yet.", type: .warning, retryable: false)
                    waiting.awaitingStart = true
                    return .failed(waiting)
                }
                return .failed(
                    FailureClass(
                        message: "The live stream has not started yet (wait_for_video was not set).",
                        type: .warning, retryable: false))
            }
            guard let probe, probe.isLive else {
                var outcome = try await attempt(spec, report: report)
                var notes = ["the URL is not a live stream; it was downloaded normally"]
                if spec.options.maxDuration != nil {
                    notes.append("max_duration applies only to live recordings and was ignored")
                }
                if case .completed(var result, let publication) = outcome {
                    result.note = ([result.note].compactMap { $0 } + notes).joined(separator: "; ")
                    outcome = .completed(result, publication)
                }
                return outcome
            }
            let fromStart = spec.options.liveFromStart && LivePlan.supportsFromStart(extractorKey: probe.extractorKey)
            if spec.options.liveFromStart && !fromStart {
                session.note("this source cannot be recorded from its start; the recording began at the live edge")
            }
            return try await attempt(spec, report: report, recording: (session, fromStart))
        } catch {
            if Task.isCancelled || session.stopKind == .cancel { return .cancelled }
            logger.error("live attempt failed", metadata: ["job.id": "\(spec.id)", "error": "\(error)"])
            return .failed(FailureClass(message: Self.internalFailureMessage(error), type: .error, retryable: true))
        }
    }
}
