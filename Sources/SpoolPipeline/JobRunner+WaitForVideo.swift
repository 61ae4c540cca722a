import Foundation
import Logging
import SpoolCore

extension JobRunner {
    /// `wait_for_video` on an ordinary job (folder-contract §3): looks at the URL before downloading. Nil when
    /// it is up and the download may go on; otherwise the attempt's outcome (a start poll while it
    /// is not up yet, a Warning for a live stream, or the probe's failure).
    func awaitStart(
        _ spec: JobSpec, report: @escaping @Sendable (JobReport) async -> Void
    ) async throws -> JobOutcome? {
        // Checked before the probe too: the probe fetches the URL.
        if refusePrivateNetwork, let refusal = NetworkPolicy.refusal(forURL: spec.url) {
            return .failed(FailureClass(message: refusal, type: .error, retryable: false))
        }
        await report(.step(.downloading))
        let probeRunner = ToolRunner(interruptGrace: .seconds(2), terminateGrace: .seconds(1), running: runner.running)
        let collected = LineCollector()
        let run = try await probeRunner.run(
            tools.ytDlp, arguments: LivePlan.probeArguments(url: spec.url, socketTimeout: tools.socketTimeout),
            workingDirectory: spec.work.path, onLine: { await collected.append($0) })
        if run.cancelled || Task.isCancelled { return .cancelled }
        let probe = run.exitCode == 0 ? LiveProbe(json: Data(await collected.text.utf8)) : nil
        let check = StartCheck.decide(probe: probe, exitCode: run.exitCode, stderr: run.stderrTail)
        logger.debug("wait_for_video probe", metadata: ["job.id": "\(spec.id)", "check": "\(check)"])
        switch check {
        case .available:
            return nil
        case .notStarted:
            var waiting = FailureClass(message: "The video has not started yet.", type: .warning, retryable: false)
            waiting.awaitingStart = true
            return .failed(waiting)
        case .liveWithoutRecording:
            return .failed(
                FailureClass(message: StartCheck.liveWithoutRecordingMessage, type: .warning, retryable: false))
        case .failed:
            return .failed(
                ErrorClassifier.classifyDownload(exitCode: run.exitCode, signal: run.signal, stderr: run.stderrTail))
        }
    }
}
