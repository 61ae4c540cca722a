/// A transition the state machine refused: the state the job was in and the event it was given.
package struct IllegalTransition: Error, Sendable, Equatable, CustomStringConvertible {
    package let from: JobState
    package let event: JobEvent

    package init(from: JobState, event: JobEvent) {
        self.from = from
        self.event = event
    }

    package var description: String { "\(from.status.rawValue)/\(from.step.rawValue) does not accept \(event)" }
}

/// The fields of a job that its transitions set; the record a store keeps (`JobRecord`) conforms.
///
/// The mutators below are the only way the scheduler changes a job's state: each applies one
/// `JobEvent` through `JobState.apply` and sets the fields that go with it, and throws, changing
/// nothing, when the state machine refuses the event.
package protocol JobLifecycle {
    var state: JobState { get set }
    var downloadRetries: Int { get set }
    var finishedAt: Int64? { get set }
    var nextRetryAt: Int64? { get set }
    var error: String? { get set }
    var errorType: ErrorType? { get set }
    var result: JobResult? { get set }
    var progress: JobProgress? { get set }
    /// The node running the job or that ran it; none while Pending (docs/cluster.md).
    var node: String? { get set }
}

extension JobLifecycle {
    /// `error` of a job the user cancelled (folder-contract §5).
    package static var cancelledByUser: String { "Job cancelled by user" }

    /// Moves the state by `event`; throws, changing nothing, when the state machine refuses it.
    package mutating func transition(_ event: JobEvent) throws(IllegalTransition) {
        guard let next = state.apply(event) else { throw IllegalTransition(from: state, event: event) }
        state = next
    }

    /// The runner reached `step`; the download's progress means nothing to a later step.
    package mutating func reach(_ step: JobStep) throws(IllegalTransition) {
        try transition(.step(step))
        if step != .downloading { progress = nil }
    }

    /// The attempt published its output: Completed/Finished with its result.
    package mutating func complete(result: JobResult, at now: Int64) throws(IllegalTransition) {
        try transition(.complete)
        self.result = result
        finishedAt = now
        progress = nil
    }

    /// A technical failure with retries left: Processing/Waiting until `retryAt`, one retry more.
    package mutating func scheduleRetry(at retryAt: Int64, message: String) throws(IllegalTransition) {
        try transition(.retryScheduled)
        downloadRetries += 1
        nextRetryAt = retryAt
        error = message
        progress = nil
    }

    /// A `wait_for_video` stream not up yet: Processing/Waiting until the next look at `pollAt`
    /// (not a download retry: `download_retries` and `error` stay as they are).
    package mutating func scheduleStartPoll(at pollAt: Int64) throws(IllegalTransition) {
        try transition(.retryScheduled)
        nextRetryAt = pollAt
        progress = nil
    }

    /// The job ends Failed (`.error`) or Warning (`.warning`) with `message`.
    package mutating func fail(_ type: ErrorType, message: String, at now: Int64) throws(IllegalTransition) {
        try transition(.fail(type))
        end(type, message: message, at: now)
    }

    /// The job ends Skipped: nothing to do for it (a warning, e.g. no audio to extract).
    package mutating func skip(message: String, at now: Int64) throws(IllegalTransition) {
        try transition(.skip)
        end(.warning, message: message, at: now)
    }

    /// The user cancelled the job: Failed/Cancelled, whether it was queued, waiting or running.
    package mutating func cancel(at now: Int64) throws(IllegalTransition) {
        try transition(.cancel)
        end(.error, message: Self.cancelledByUser, at: now)
    }

    /// Shutdown interrupted the attempt: back to Pending/Queued, not a verdict on the job (folder-contract §8);
    /// no node runs it any more.
    package mutating func requeue() throws(IllegalTransition) {
        try transition(.requeue)
        nextRetryAt = nil
        progress = nil
        node = nil
    }

    /// The fields of every terminal state but Completed; no retry is pending any more.
    private mutating func end(_ type: ErrorType, message: String, at now: Int64) {
        error = message
        errorType = type
        finishedAt = now
        nextRetryAt = nil
        progress = nil
    }
}
