import Foundation
import Logging
import SpoolCore
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif


/// One live attempt: the recording process, how it is stopped, and what it came to.
///
/// A shutdown while recording stops the recorder gracefully (SIGINT to its process group, so
/// yt-dlp and its ffmpeg finalise the file) and lets the attempt finish (convert, verify, publish)
/// outside the cancelled task. A cancel, or a shutdown before or after the recording, cancels the
/// attempt's inner task, which stops its tools the usual way (SIGINT, SIGTERM, SIGKILL).
///
/// A recorder that exits by itself because the stream was lost (ffmpeg takes a playlist that
/// answers 5xx as the end of the stream, yt-dlp-lab §4 / issue 5) is started again, from the live
/// edge, into a new part (`live-part-N/` in the work directory) while the reconnect grace lasts;
/// the parts are joined at the end (`LivePartJoiner`).
package final class LiveSession: Sendable {
    private enum Phase: Sendable {
        case preparing
        case recording(pid_t)
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
        /// Seconds recorded by the parts before the current one (its ffmpeg counts from 0).
        var offset: Double = 0
        var lastRecorded: Double?
        var lastAdvance = ContinuousClock.now
        var notes: [String] = []
    }

    private let state = Mutex(State())
    package let settings: LiveSettings
    package let maxDuration: Int?
    /// Joins the parts of a recording that reconnected; nil: no reconnecting (one part only).
    let joiner: LivePartJoiner?
    let logger: Logger?

    init(settings: LiveSettings, maxDuration: Int?, joiner: LivePartJoiner? = nil, logger: Logger? = nil) {
        self.settings = settings
        self.maxDuration = maxDuration
        self.joiner = joiner
        self.logger = logger
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
        let (shutdown, ended) = state.withLock {
            ($0.stop == .shutdown && $0.gracefulStop, $0.stalled || $0.lost)
        }
        return LivePlan.stoppedReason(
            shutdown: shutdown, stalled: ended, maxDuration: maxDuration, recordedSeconds: duration)
    }

    /// The recording process started. False when a shutdown came first (the caller stops it).
    /// The first part starts the no-new-media clock; a later part keeps counting from the last
    /// media, so restarts cannot stretch the grace.
    private func beginRecording(pid: pid_t, firstPart: Bool) -> Bool {
        state.withLock { s in
            s.phase = .recording(pid)
            if firstPart { s.lastAdvance = .now }
            if s.stop == .shutdown {
                s.gracefulStop = true
                return false
            }
            return true
        }
    }

    private func endRecording() { state.withLock { $0.phase = .finishing } }

    /// Records progress of the current part (`seconds` as its ffmpeg counts them); the total
    /// recorded time when it moved on.
    private func advance(to seconds: Double) -> Double? {
        let (total, resumed) = state.withLock { s -> (Double?, Bool) in
            let total = s.offset + seconds
            guard total > (s.lastRecorded ?? -1) else { return (nil, false) }
            s.lastRecorded = total
            s.lastAdvance = .now
            defer { s.streamLost = false }
            return (total, s.streamLost)
        }
        if resumed, let total { logger?.notice("live stream back; recording again", metadata: ["recorded_s": "\(total)"]) }
        return total
    }

    /// The stream was lost and the grace is over: the recording ends with what it has.
    private func markLost() {
        state.withLock { $0.lost = true }
        note(
            "the stream was lost and did not come back within \(Int(settings.reconnectGrace.components.seconds)) s (live_reconnect_grace_s); what was recorded was kept"
        )
        logger?.notice("live stream lost; reconnect grace over", metadata: ["recorded_s": "\(recordedSoFar)"])
    }

    /// Seconds recorded so far, all parts together.
    private var recordedSoFar: Double { state.withLock { $0.lastRecorded ?? 0 } }
    private var sinceLastMedia: Duration { state.withLock { ContinuousClock.now - $0.lastAdvance } }
    /// A stop that ends the recording: shutdown, cancel, the watchdog.
    private var stopRequested: Bool {
        state.withLock { $0.stop != nil || $0.gracefulStop || $0.stalled || $0.lost }
    }

    /// The watchdog: no new media for the reconnect grace period ends the recording gracefully
    /// (during a reconnect, it is the stream that was lost that did not come back in time).
    private func checkStall() {
        let stalled = state.withLock { s -> (pid: pid_t, lost: Bool)? in
            guard case .recording(let pid) = s.phase, !s.stalled, !s.lost, !s.gracefulStop,
                ContinuousClock.now - s.lastAdvance > settings.reconnectGrace
            else { return nil }
            if !s.streamLost { s.stalled = true }
            return (pid, s.streamLost)
        }
        guard let stalled else { return }
        if stalled.lost {
            markLost()
        } else {
            note(
                "the stream sent no new media for \(Int(settings.reconnectGrace.components.seconds)) s and was taken as ended"
            )
        }
        interrupt(stalled.pid)
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
    /// `-t`), the watchdog fires or the service stops it, reconnecting a lost stream within the
    /// grace (one part per run of the recorder, joined at the end). Reports
    /// `{recorded_s, max_duration_s}` (all parts together) at most twice a second.
    func record(
        tool: String, arguments: [String], workDirectory: String,
        report: @escaping @Sendable (JobReport) async -> Void
    ) async throws -> ToolResult {
        let cap = self.maxDuration.map { Double($0) }
        let throttle = ProgressThrottle()
        await report(.progress(JobProgress(recordedSeconds: 0, maxDurationSeconds: cap)))
        defer { endRecording() }
        var parts: [String] = []
        var part = 1
        var interruptions = 0
        while true {
            let directory = part == 1 ? workDirectory : workDirectory + "/live-part-\(part)"
            var partArguments = arguments
            if part > 1 {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                partArguments = LivePlan.reconnectArguments(
                    record: arguments, workDirectory: workDirectory, partDirectory: directory,
                    remainingSeconds: LivePlan.remainingSeconds(maxDuration: maxDuration, recorded: recordedSoFar))
            }
            let offset = recordedSoFar
            state.withLock { $0.offset = offset }
            let run = try await recordPart(
                tool: tool, arguments: partArguments, directory: directory, firstPart: part == 1, cap: cap,
                throttle: throttle, report: report)
            if run.cancelled || Task.isCancelled { return run }
            if part == 1 && joiner == nil { return finishSinglePart(run, workDirectory: workDirectory) }
            let partRecorded = recordedSoFar - offset
            if partRecorded > 0, let media = partMedia(directory, exitCode: run.exitCode) { parts.append(media) }
            let decision = LivePlan.afterPart(
                stopRequested: stopRequested, exitCode: run.exitCode, stderr: run.stderrTail,
                partRecorded: partRecorded, totalRecorded: parts.isEmpty ? 0 : recordedSoFar,
                maxDuration: maxDuration, sinceLastMedia: Self.seconds(sinceLastMedia),
                grace: Self.seconds(settings.reconnectGrace))
            switch decision {
            case .finish:
                if part == 1 { return finishSinglePart(run, workDirectory: workDirectory) }
            case .lost:
                markLost()
            case .reconnect:
                if partRecorded > 0 { interruptions += 1 }
                state.withLock { $0.streamLost = true }
                logger?.notice(
                    "live stream lost; reconnecting",
                    metadata: [
                        "part": "\(part + 1)", "recorded_s": "\(recordedSoFar)", "exit": "\(run.exitCode ?? -1)",
                        "stderr": "\(run.stderrTail.suffix(2).joined(separator: " | "))",
                    ])
                guard try await waitToReconnect() else { break }
                part += 1
                continue
            }
            break
        }
        if parts.count > 1 && !state.withLock({ $0.lost || $0.streamLost }) {
            note(
                "the stream was interrupted \(interruptions == 1 ? "once" : "\(interruptions) times") and the recording reconnected within live_reconnect_grace_s (\(parts.count) parts joined)"
            )
        }
        return try await joinParts(parts, workDirectory: workDirectory)
    }

    /// One run of the recorder into `directory`.
    private func recordPart(
        tool: String, arguments: [String], directory: String, firstPart: Bool, cap: Double?,
        throttle: ProgressThrottle, report: @escaping @Sendable (JobReport) async -> Void
    ) async throws -> ToolResult {
        let executable: Executable = tool.contains("/") ? .path(FilePath(tool)) : .name(tool)
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [
            .send(signal: .interrupt, toProcessGroup: true, allowedDurationToNextStep: settings.interruptGrace),
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: settings.terminateGrace),
        ]
        let result = try await Subprocess.run(
            executable, arguments: Arguments(arguments), environment: .inherit,
            workingDirectory: FilePath(directory), platformOptions: options,
            input: .none, output: .sequence, error: .sequence
        ) { execution -> [String] in
            let pid = execution.processIdentifier.value
            if !self.beginRecording(pid: pid, firstPart: firstPart) { self.interrupt(pid) }
            return try await withThrowingTaskGroup(of: [String]?.self) { group in
                group.addTask {
                    for try await _ in execution.standardOutput.strings() {}
                    return nil
                }
                group.addTask {
                    var tail: [String] = []
                    for try await line in execution.standardError.strings() {
                        if let t = LivePlan.recordedSeconds(inLine: line) {
                            if let total = self.advance(to: t), await throttle.shouldReport(final: false) {
                                let recorded = (total * 10).rounded(.down) / 10
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
        state.withLock { $0.phase = .reconnecting }
        var exitCode: Int32?
        var signal: Int32?
        switch result.terminationStatus {
        case .exited(let code): exitCode = code
        case .signaled(let sig): signal = sig
        }
        let tail = Array(result.closureResult.suffix(20))
        return ToolResult(exitCode: exitCode, signal: signal, stderrTail: tail, cancelled: Task.isCancelled)
    }

    /// A recording of one part (no reconnect happened): a recording the service stopped
    /// (shutdown, watchdog) keeps what it has even when the recorder did not exit cleanly: the file
    /// is probed and converted like any other.
    private func finishSinglePart(_ run: ToolResult, workDirectory: String) -> ToolResult {
        var run = run
        if stoppedGracefully, run.exitCode != 0 || !hasFinalPath(workDirectory),
            let media = Self.recordedFile(in: workDirectory)
        {
            try? media.write(
                toFile: workDirectory + "/" + DownloadPlan.finalPathFile, atomically: true, encoding: .utf8)
            run.exitCode = 0
            run.signal = nil
        }
        return run
    }

    /// The media a part left: where the recorder said it wrote, else (a recorder that was stopped
    /// or lost the stream before it could say) its largest media file.
    private func partMedia(_ directory: String, exitCode: Int32?) -> String? {
        if exitCode == 0, let path = finalPath(directory) { return path }
        return Self.recordedFile(in: directory)
    }

    /// Between two parts: a short pause (the server has just failed), cut short by a shutdown.
    /// False when a stop came (keep what was recorded); throws when the attempt was cancelled.
    private func waitToReconnect() async throws -> Bool {
        let until = ContinuousClock.now + .seconds(1)
        while ContinuousClock.now < until {
            if stopRequested { return false }
            try await Task.sleep(for: .milliseconds(100))
        }
        return !stopRequested
    }

    /// The recording's one media file: the parts joined (or the one part), written to
    /// `final-path.txt` for the rest of the attempt.
    private func joinParts(_ parts: [String], workDirectory: String) async throws -> ToolResult {
        guard !parts.isEmpty else {
            return ToolResult(
                exitCode: 1, signal: nil, stderrTail: ["ERROR: the live recording recorded nothing"],
                cancelled: Task.isCancelled)
        }
        var media = parts[0]
        if parts.count > 1, let joiner {
            switch try await joiner.join(parts: parts, workDirectory: workDirectory) {
            case .joined(let path):
                media = path
            case .failed(let why):
                if Task.isCancelled { return ToolResult(exitCode: nil, signal: nil, stderrTail: [], cancelled: true) }
                logger?.error("joining the parts of a live recording failed", metadata: ["error": "\(why)"])
                note("the parts recorded after reconnecting could not be joined; only the first part was kept")
            }
        }
        try media.write(toFile: workDirectory + "/" + DownloadPlan.finalPathFile, atomically: true, encoding: .utf8)
        return ToolResult(exitCode: 0, signal: nil, stderrTail: [], cancelled: Task.isCancelled)
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private func hasFinalPath(_ work: String) -> Bool { finalPath(work) != nil }

    /// The media path the recorder printed into `final-path.txt`, when that file exists.
    private func finalPath(_ work: String) -> String? {
        let text = try? String(contentsOfFile: work + "/" + DownloadPlan.finalPathFile, encoding: .utf8)
        guard let path = text?.split(whereSeparator: \.isNewline).first.map(String.init),
            FileManager.default.fileExists(atPath: path)
        else { return nil }
        return path
    }

    /// The largest non-empty `media.*` media file in the work directory, or else in its `.tmp/`
    /// (where yt-dlp writes until it moves the file: a recording whose recorder was stopped, or
    /// failed, before it could say where it wrote).
    static func recordedFile(in work: String) -> String? {
        let fm = FileManager.default
        let side: Set<String> = ["json", "txt", "vtt", "jpg", "ytdl"]
        let media = { (dir: String) -> [String] in
            ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { name in
                name.hasPrefix("media.") && !side.contains((name as NSString).pathExtension)
            }.map { dir + "/" + $0 }
        }
        var paths = media(work)
        if paths.isEmpty { paths = media(work + "/.tmp") }
        let sized = paths.compactMap { path -> (String, Int64)? in
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
