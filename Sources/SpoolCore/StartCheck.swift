import Foundation

/// What a `wait_for_video` look at an ordinary job's URL found (folder-contract §3): not up yet, up, live, or an error.
package enum StartCheck: Sendable, Equatable {
    /// Not up yet (an upcoming premiere, or a URL that answers 404/410): look again later.
    case notStarted
    /// A live stream, and the job is not a live recording: it ends Warning with `liveWithoutRecordingMessage`.
    case liveWithoutRecording
    /// Up and not live, or the probe could not tell: the download goes on as usual and decides.
    case available
    /// The probe failed for another reason: the download's error classification applies.
    case failed

    /// The status sentence of a live URL submitted without `live_recording`.
    package static let liveWithoutRecordingMessage =
        "The URL is a live stream, which is recorded only when the job sets live_recording to true."

    /// Reads the `-J` probe: its parsed JSON (nil when it failed or printed none), exit code and error output.
    package static func decide(probe: LiveProbe?, exitCode: Int32?, stderr: [String]) -> StartCheck {
        if let probe {
            if probe.isUpcoming { return .notStarted }
            return probe.isLive ? .liveWithoutRecording : .available
        }
        // Exit 0 without JSON: nothing to wait for; the download says what the URL is.
        if exitCode == 0 { return .available }
        // The generic extractor never reports "upcoming": a 404 is how a late file looks (tool-behaviour §1).
        return LivePlan.isNotStartedYet(stderr: stderr) ? .notStarted : .failed
    }
}
