import Foundation
import SpoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// The live session's process I/O: the probe, the recorder's runs (one per part) and the join.
extension LiveSession {
    /// Runs the recorder (yt-dlp) until the stream ends, `max_duration` is reached (yt-dlp's own
    /// `-t`), the watchdog fires or the service stops it, reconnecting a lost stream within the
    /// grace (one part per run of the recorder, joined at the end). A later part starts at the
    /// oldest segment the playlist lists (`LiveSeam`), so it usually begins inside the part before;
    /// the join cuts what was recorded twice. Reports
    /// `{recorded_s, max_duration_s}` (all parts together) at most twice a second.
    func record(
        tool: String, arguments: [String], work: WorkDirectory, report: @escaping @Sendable (JobReport) async -> Void
    ) async throws -> ToolResult {
        let cap = self.maxDuration.map { Double($0) }
        let throttle = ProgressThrottle()
        await report(.progress(JobProgress(recordedSeconds: 0, maxDurationSeconds: cap)))
        defer { endRecording() }
        var parts: [String] = []
        var part = 1
        var interruptions = 0
        while true {
            let directory = try work.livePart(part)
            var partArguments = arguments
            var seamTail: (previous: String, packets: [LiveSeam.Packet])? = nil
            if part > 1 {
                // The recorder's cap leaves room for what the part repeats; spool caps it on unique media.
                let remaining = LivePlan.remainingSeconds(maxDuration: maxDuration, recorded: recordedSoFar)
                partArguments = LiveSeam.reconnectArguments(
                    LivePlan.reconnectArguments(
                        record: arguments, workDirectory: work.path, partDirectory: directory.path,
                        remainingSeconds: LiveRecordedTime.recorderCap(remaining: remaining)))
                if let previous = parts.last {
                    seamTail = try await joiner?.checksums(previous, tail: true, workDirectory: work.path).map {
                        (previous, $0)
                    }
                }
            }
            let offset = recordedSoFar
            beginPart(offset: offset, afterReconnect: part > 1)
            if part > 1 && seamTail == nil { repeatedSeconds(0) }
            let run = try await recordPart(
                tool: tool, arguments: partArguments, directory: directory, firstPart: part == 1, cap: cap,
                seamTail: seamTail, throttle: throttle, report: report)
            if run.cancelled || Task.isCancelled { return run }
            if let seamTail, seamPending {
                // Lost again before the join could be compared: compare the part as recorded.
                await compareSeam(tail: seamTail, directory: directory, final: true)
            }
            if part == 1 && joiner == nil { return finishSinglePart(run, work: work) }
            let partRecorded = recordedSoFar - offset
            if partRecorded > 0, let media = directory.partMedia(exitCode: run.exitCode) { parts.append(media) }
            let decision = LivePlan.afterPart(
                stopRequested: stopRequested, exitCode: run.exitCode, stderr: run.stderrTail,
                partRecorded: partRecorded, totalRecorded: parts.isEmpty ? 0 : recordedSoFar,
                maxDuration: maxDuration, sinceLastMedia: Self.seconds(sinceLastMedia),
                grace: Self.seconds(settings.reconnectGrace))
            switch decision {
            case .finish:
                if part == 1 { return finishSinglePart(run, work: work) }
            case .lost:
                markLost()
            case .reconnect:
                if partRecorded > 0 { interruptions += 1 }
                streamWasLost()
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
        if parts.count > 1 && !endedLost {
            note(
                "the stream was interrupted \(interruptions == 1 ? "once" : "\(interruptions) times") and the recording reconnected within live_reconnect_grace_s (\(parts.count) parts joined)"
            )
        }
        return try await joinParts(parts, work: work)
    }

    /// One run of the recorder into `directory`: ffmpeg's progress on stderr advances the
    /// recording, the watchdog looks every half second whether it still does.
    private func recordPart(
        tool: String, arguments: [String], directory: WorkDirectory, firstPart: Bool, cap: Double?,
        seamTail: (previous: String, packets: [LiveSeam.Packet])?, throttle: ProgressThrottle,
        report: @escaping @Sendable (JobReport) async -> Void
    ) async throws -> ToolResult {
        let recorderRunner = ToolRunner(
            interruptGrace: settings.interruptGrace, terminateGrace: settings.terminateGrace, running: runner.running)
        let run = try await recorderRunner.withTool(
            tool, arguments: arguments, workingDirectory: directory.path,
            onStderrLine: { line in
                guard let t = LivePlan.recordedSeconds(inLine: line) else { return !line.isEmpty }
                if let total = self.advance(to: t), await throttle.shouldReport(final: false) {
                    let recorded = (total * 10).rounded(.down) / 10
                    await report(.progress(JobProgress(recordedSeconds: recorded, maxDurationSeconds: cap)))
                }
                return false
            }
        ) { recorder in
            if !self.beginRecording(recorder, firstPart: firstPart) { self.interrupt(recorder) }
            var failedLooks = 0
            while recorder.isRunning && !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                self.checkStall()
                // The join with the part before, compared while this part records (`LiveRecordedTime`).
                if let seamTail, self.seamPending, self.partSeconds > 1 {
                    let listed = await self.compareSeam(tail: seamTail, directory: directory, final: failedLooks >= 3)
                    if !listed { failedLooks += 1 }
                }
            }
        }
        endPart()
        return run.result
    }

    /// Compares the start of the part being recorded in `directory` with `tail` (the part before's
    /// end) and, once it can tell, says how many of its seconds are repeated. False when ffmpeg
    /// could not list the part (yet); `final`: then, or when it cannot tell, nothing counts as repeated.
    @discardableResult
    private func compareSeam(
        tail: (previous: String, packets: [LiveSeam.Packet]), directory: WorkDirectory, final: Bool
    ) async -> Bool {
        guard let joiner, let media = directory.recordedFile,
            let head = try? await joiner.growingHead(media, like: tail.previous, workDirectory: directory.path)
        else {
            if final { repeatedSeconds(0) }
            return false
        }
        if let seconds = LiveSeam.repeatedSeconds(tail: tail.packets, head: head) {
            repeatedSeconds(seconds)
        } else if final {
            repeatedSeconds(0)
        }
        return true
    }

    /// A recording of one part (no reconnect happened): a recording the service stopped
    /// (shutdown, watchdog) keeps what it has even when the recorder did not exit cleanly: the file
    /// is probed and converted like any other.
    private func finishSinglePart(_ run: ToolResult, work: WorkDirectory) -> ToolResult {
        var run = run
        if stoppedGracefully, run.exitCode != 0 || work.finalPath == nil, let media = work.recordedFile {
            try? work.setFinalPath(media)
            run.exitCode = 0
            run.signal = nil
        } else if stalledBeforeMedia, run.exitCode != 0 || work.finalPath == nil {
            let waited = Int(LiveWatchdog.allowance(mediaSeen: false, settings: settings).components.seconds)
            run.exitCode = 1
            run.signal = nil
            run.stderrTail = ["ERROR: the live stream sent no media within \(waited) s of the recording's start"]
        }
        return run
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
    private func joinParts(_ parts: [String], work: WorkDirectory) async throws -> ToolResult {
        guard !parts.isEmpty else {
            return ToolResult(
                exitCode: 1, signal: nil, stderrTail: ["ERROR: the live recording recorded nothing"],
                cancelled: Task.isCancelled)
        }
        var media = parts[0]
        if parts.count > 1, var joiner {
            joiner.logger = logger
            switch try await joiner.join(parts: parts, workDirectory: work.path) {
            case .joined(let path, let notes):
                media = path
                notes.forEach(note)
            case .failed(let why):
                if Task.isCancelled { return ToolResult(exitCode: nil, signal: nil, stderrTail: [], cancelled: true) }
                logger?.error("joining the parts of a live recording failed", metadata: ["error": "\(why)"])
                note("the parts recorded after reconnecting could not be joined; only the first part was kept")
            }
        }
        try work.setFinalPath(media)
        return ToolResult(exitCode: 0, signal: nil, stderrTail: [], cancelled: Task.isCancelled)
    }

    /// The `-J` probe. Nil output when yt-dlp failed (its stderr tail says why).
    func probe(tool: String, url: String, socketTimeout: Int, work: WorkDirectory) async throws
        -> (probe: LiveProbe?, result: ToolResult)
    {
        let probeRunner = ToolRunner(interruptGrace: .seconds(2), terminateGrace: .seconds(1), running: runner.running)
        let collected = LineCollector()
        let run = try await probeRunner.run(
            tool, arguments: LivePlan.probeArguments(url: url, socketTimeout: socketTimeout),
            workingDirectory: work.path, onLine: { await collected.append($0) })
        guard run.exitCode == 0 else { return (nil, run) }
        return (LiveProbe(json: Data(await collected.text.utf8)), run)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
