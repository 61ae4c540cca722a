import Foundation

/// A job's `status` (folder-contract §5), with the hosted API's spelling.
package enum JobStatus: String, Codable, Sendable, CaseIterable {
    case pending = "Pending"
    case processing = "Processing"
    case completed = "Completed"
    case failed = "Failed"
    case warning = "Warning"
    case skipped = "Skipped"

    package var isTerminal: Bool {
        switch self {
        case .pending, .processing: false
        case .completed, .failed, .warning, .skipped: true
        }
    }
}

/// A job's `step` (folder-contract §5).
package enum JobStep: String, Codable, Sendable, CaseIterable {
    case queued = "Queued"
    case waiting = "Waiting"
    case downloading = "Downloading"
    case recording = "Recording"
    case muxing = "Muxing"
    case uploading = "Uploading"
    case finished = "Finished"
    case cancelled = "Cancelled"
}

/// `error_type` of a job that did not complete.
package enum ErrorType: String, Codable, Sendable {
    /// Technical failures: retried, then `Failed`.
    case error
    /// Content that cannot be had (404, private, removed): `Warning`, never retried.
    case warning
}

/// The events that move a job between states; `JobState.apply` is the whole state machine.
package enum JobEvent: Sendable, Equatable {
    case start
    case step(JobStep)
    case retryScheduled
    case complete
    case fail(ErrorType)
    case skip
    case cancel
    /// Shutdown or crash recovery: the job goes back to the queue.
    case requeue
}

/// A job's (status, step) pair and its legal transitions.
package struct JobState: Sendable, Equatable {
    package var status: JobStatus
    package var step: JobStep

    package init(status: JobStatus, step: JobStep) {
        self.status = status
        self.step = step
    }

    package static let queued = JobState(status: .pending, step: .queued)

    /// The state after `event`, or `nil` when the event is not allowed in this state
    /// (a terminal job never changes; a pending job cannot complete without starting).
    package func apply(_ event: JobEvent) -> JobState? {
        if status.isTerminal { return nil }
        switch (status, event) {
        case (.pending, .start):
            return JobState(status: .processing, step: .downloading)
        case (.processing, .step(let step)) where step != .finished && step != .cancelled && step != .queued:
            return JobState(status: .processing, step: step)
        case (.processing, .retryScheduled):
            return JobState(status: .processing, step: .waiting)
        case (.processing, .complete):
            return JobState(status: .completed, step: .finished)
        case (.processing, .fail(let type)):
            return JobState(status: type == .warning ? .warning : .failed, step: .finished)
        case (.processing, .skip):
            return JobState(status: .skipped, step: .finished)
        case (_, .cancel):
            return JobState(status: .failed, step: .cancelled)
        case (.processing, .requeue), (.pending, .requeue):
            return .queued
        default:
            return nil
        }
    }
}
