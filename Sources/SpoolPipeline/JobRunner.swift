import Foundation
import Logging
import SpoolCore

/// Runs one attempt of a job: download (yt-dlp) → probe → convert (ffmpeg) → verify (ffprobe) → publish.
///
/// Cancellation: cancelling the calling task stops the running tool's process group and the
/// attempt returns `.cancelled`; the work directory is removed in every case but one: a live
/// recording a shutdown kept for the next start (`LiveResumeMarker`).
package struct JobRunner: Sendable {
    package var tools: ToolPaths
    package var publisher: OutputPublisher
    package var runner: ToolRunner
    /// Caps concurrent ffmpeg encodes (default: one per core) independently of the download slots.
    package var encodeGate: AsyncGate
    /// Re-checks the URL's host right before the download (DNS may have changed since validation).
    package var refusePrivateNetwork: Bool = true
    /// Live recordings (`live_recording`): the watchdog and the stop graces.
    package var live = LiveSettings()
    package var logger: Logger

    package init(
        tools: ToolPaths, publisher: OutputPublisher, runner: ToolRunner = ToolRunner(), encodeGate: AsyncGate,
        logger: Logger
    ) {
        self.tools = tools
        self.publisher = publisher
        self.runner = runner
        self.encodeGate = encodeGate
        self.logger = logger
    }

    package func run(
        _ spec: JobSpec, stop: StopRequest, report: @escaping @Sendable (JobReport) async -> Void
    ) async -> JobOutcome {
        let work = spec.work
        // A live recording kept at shutdown (folder-contract §8) is the one thing an attempt starts from.
        let kept = spec.options.liveRecording ? LiveResumeMarker.read(workDirectory: work.path) : nil
        if kept == nil { work.remove() }
        var keepWork = false
        defer { if !keepWork { work.remove() } }
        publisher.recover(jobID: spec.id, folder: spec.folder)
        do {
            try work.create()
            if spec.options.liveRecording {
                let outcome = await liveAttempt(spec, stop: stop, resume: kept, report: report)
                keepWork = LiveResumeMarker.keepsWork(
                    outcome: outcome, stop: stop.marked,
                    markerWritten: LiveResumeMarker.read(workDirectory: work.path) != nil)
                return outcome
            }
            if spec.options.waitForVideo, let early = try await awaitStart(spec, report: report) { return early }
            return try await attempt(spec, report: report)
        } catch {
            if Task.isCancelled { return .cancelled }
            logger.error("job attempt failed", metadata: ["job.id": "\(spec.id)", "error": "\(error)"])
            return .failed(
                FailureClass(message: Self.internalFailureMessage(error), type: .error, retryable: true))
        }
    }

    /// download → convert → verify → publish; a step that ends the attempt early throws `AttemptEnd`.
    /// `recording`: a live attempt (JobRunner+Live.swift) records instead of downloading.
    func attempt(
        _ spec: JobSpec, report: @escaping @Sendable (JobReport) async -> Void,
        recording: (session: LiveSession, fromStart: Bool)? = nil
    ) async throws -> JobOutcome {
        let began = ContinuousClock.now
        do {
            let downloaded = try await download(spec, report: report, recording: recording)
            let converted = try await convert(spec, downloaded, report: report, recording: recording?.session)
            let outputInfo = try await verify(spec, converted)
            return try await publish(
                spec, downloaded, converted, outputInfo: outputInfo, began: began, recording: recording?.session,
                report: report)
        } catch let end as AttemptEnd {
            return end.outcome
        }
    }

    /// One plain sentence for a failure of spool's own work (disk, permissions), naming the cause
    /// users can act on; the details go to the log.
    package static func internalFailureMessage(_ error: any Error) -> String {
        let ns = error as NSError
        let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError
        let posix = [ns, underlying].compactMap { $0 }.contains {
            $0.domain == NSPOSIXErrorDomain && $0.code == Int(ENOSPC)
        }
        let text = "\(error) \(ns.localizedDescription)".lowercased()
        if posix || text.contains("no space left on device") || text.contains("enospc") {
            return "The job could not be finished: no space left on device."
        }
        if text.contains("permission denied") || text.contains("eacces") {
            return "The job could not be finished: permission denied while writing its files."
        }
        return "The job could not be run because of a problem on this server (see the service log)."
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
