import Foundation
import Logging
import SpoolCore

extension JobRunner {
    /// The attempt after a shutdown kept a live recording (`LiveResumeMarker`): probe the kept file, then
    /// the usual convert → verify → publish. Nothing is recorded again (the stream has moved on; what was
    /// recorded is what the job gets), and the result's `stopped_reason` is the recording's own.
    func convertKept(
        _ spec: JobSpec, _ kept: LiveResumeMarker, session: LiveSession,
        report: @escaping @Sendable (JobReport) async -> Void
    ) async -> JobOutcome {
        let began = ContinuousClock.now
        logger.info(
            "converting a live recording kept at shutdown",
            metadata: ["job.id": "\(spec.id)", "media": "\(kept.media)", "recorded_s": "\(kept.recordedSeconds)"])
        do {
            let downloaded = try await keptRecording(spec, kept)
            let converted = try await convert(spec, downloaded, report: report, recording: session)
            let outputInfo = try await verify(spec, converted)
            return try await publish(
                spec, downloaded, converted, outputInfo: outputInfo, began: began, recording: session, report: report)
        } catch let end as AttemptEnd {
            return end.outcome
        } catch {
            if Task.isCancelled { return .cancelled }
            logger.error("converting a kept recording failed", metadata: ["job.id": "\(spec.id)", "error": "\(error)"])
            return .failed(FailureClass(message: Self.internalFailureMessage(error), type: .error, retryable: true))
        }
    }

    /// What the download step would have left: the kept file, its probe and the downloader's metadata.
    private func keptRecording(_ spec: JobSpec, _ kept: LiveResumeMarker) async throws -> Downloaded {
        let work = spec.work
        guard let source = kept.mediaPath(inWorkDirectory: work.path) else {
            throw AttemptEnd.failed("The kept live recording could not be found.", .error, retryable: false)
        }
        let metadata = SourceMetadata(json: FileManager.default.contents(atPath: work.file(DownloadPlan.infoFile)))
        let probed = try await MediaProber(ffprobe: tools.ffprobe, runner: runner).probe(source)
        if Task.isCancelled { throw AttemptEnd(.cancelled) }
        guard let sourceInfo = probed else {
            throw AttemptEnd.failed(
                "The kept live recording is not readable media.", .error, retryable: false)
        }
        return Downloaded(
            source: source, sourceInfo: sourceInfo, metadata: metadata, captionNote: nil, meter: TransferMeter(),
            finished: .now)
    }
}
