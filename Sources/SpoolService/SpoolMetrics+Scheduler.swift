import SpoolPipeline
import SpoolStore
import Synchronization

/// The scheduler's hooks, recorded into the daemon's `SpoolMetrics` (the scheduler does not take the value
/// itself yet); no-ops while none is installed, as in tests that run the daemon in-process.
extension SpoolMetrics {
    private static let installed = Mutex<SpoolMetrics?>(nil)

    /// Makes `metrics` the value the static hooks record into (nil: none).
    package static func install(_ metrics: SpoolMetrics?) {
        installed.withLock { $0 = metrics }
    }

    private static var current: SpoolMetrics? { installed.withLock { $0 } }

    package static func attemptStarted() { current?.attemptStarted() }

    package static func attemptEnded() { current?.attemptEnded() }

    package static func progress(_ report: JobReport, jobID: String) { current?.progress(report, jobID: jobID) }

    package static func jobEnded(_ job: JobRecord) { current?.jobEnded(job) }
}
