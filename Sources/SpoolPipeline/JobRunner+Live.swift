import Foundation
import Logging
import SpoolCore

extension JobRunner {
    /// A `live_recording` attempt (folder-contract §3): probe, then record (or download normally when the
    /// URL is not live), then the usual convert → verify → publish.
    ///
    /// Shutdown vs cancel: the attempt runs in an inner task that the caller's cancellation does
    /// not reach directly; the `StopRequest` the scheduler marked says which stop it is.
    ///
    /// `resume`: the recording an earlier attempt kept at shutdown; this attempt converts and publishes
    /// it and records nothing. A shutdown that stops the attempt after the recording was finalised and
    /// before it was published keeps the recording with a `LiveResumeMarker` (folder-contract §8).
    func liveAttempt(
        _ spec: JobSpec, stop request: StopRequest, resume: LiveResumeMarker? = nil,
        report: @escaping @Sendable (JobReport) async -> Void
    ) async -> JobOutcome {
        var jobLogger = logger
        jobLogger[metadataKey: "job.id"] = "\(spec.id)"
        // After the recording, a shutdown's stop must end the conversion fast (its output is dropped).
        var quickStop = self
        quickStop.runner = ToolRunner(interruptGrace: .seconds(1), terminateGrace: .seconds(1), running: runner.running)
        let finishing = quickStop
        let session = LiveSession(
            settings: live, maxDuration: spec.options.maxDuration, runner: runner,
            joiner: LivePartJoiner(ffmpeg: tools.ffmpeg, runner: runner, maxDuration: spec.options.maxDuration),
            logger: jobLogger, resumed: resume)
        let outcome = await withTaskCancellationHandler {
            let inner = Task {
                if let resume { return await finishing.convertKept(spec, resume, session: session, report: report) }
                return await finishing.liveBody(spec, session: session, report: report)
            }
            session.attach(inner)
            return await inner.value
        } onCancel: {
            session.stop(request.marked == .cancel ? .cancel : .shutdown)
        }
        if session.stopKind == .cancel, case .completed = outcome {
            // Cancelled after the recording was published: take it back.
            publisher.recover(jobID: spec.id, folder: spec.folder)
            return .cancelled
        }
        return keepForRestart(spec, outcome, session: session)
    }

    /// A shutdown stopped the attempt with its recording finalised but not published: the recording stays
    /// in the work directory with a marker, and the attempt is `.cancelled` (the job goes back to Pending).
    /// A failure the stop caused (a tool killed mid-way) counts as the stop.
    private func keepForRestart(_ spec: JobSpec, _ outcome: JobOutcome, session: LiveSession) -> JobOutcome {
        guard session.stopKind == .shutdown else { return outcome }
        switch outcome {
        case .completed: return outcome
        case .cancelled: break
        case .failed, .skipped: guard session.shutdownCancelled else { return outcome }
        }
        let work = spec.work
        guard let marker = session.resumeMarker(finalPath: work.finalPath, workDirectory: work.path) else {
            return .cancelled
        }
        do {
            if session.resumed == nil { try marker.write(workDirectory: work.path) }
            logger.notice(
                "shutdown: live recording kept for conversion after the restart",
                metadata: [
                    "job.id": "\(spec.id)", "media": "\(marker.media)", "recorded_s": "\(marker.recordedSeconds)",
                ])
        } catch {
            logger.error(
                "shutdown: cannot keep the live recording", metadata: ["job.id": "\(spec.id)", "error": "\(error)"])
        }
        return .cancelled
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
                tool: tools.ytDlp, url: spec.url, socketTimeout: tools.socketTimeout, work: spec.work)
            if probeRun.cancelled || Task.isCancelled { return .cancelled }
            if let refusal = Self.notRecordable(probe, probeRun, waitForVideo: spec.options.waitForVideo) {
                return refusal
            }
            guard let probe, probe.isLive else { return try await downloadNotLive(spec, report: report) }
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

    /// The outcome when the probe shows nothing to record yet: no media, a probe error, or a stream that has
    /// not started (waited for only when the job asks to); nil when the attempt goes on.
    private static func notRecordable(_ probe: LiveProbe?, _ probeRun: ToolResult, waitForVideo: Bool) -> JobOutcome? {
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
        guard notStarted else { return nil }
        if waitForVideo {
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

    /// A live job whose URL is not live: downloaded like any other, with a note saying so.
    private func downloadNotLive(
        _ spec: JobSpec, report: @escaping @Sendable (JobReport) async -> Void
    ) async throws -> JobOutcome {
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
}
