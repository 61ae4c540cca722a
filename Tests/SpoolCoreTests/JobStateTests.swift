import Testing

@testable import SpoolCore

@Suite("Job state machine")
struct JobStateTests {
    static let processing = JobState(status: .processing, step: .downloading)

    @Test(arguments: [
        (JobState.queued, JobEvent.start, JobState(status: .processing, step: .downloading)),
        (JobState.queued, .cancel, JobState(status: .failed, step: .cancelled)),
        (JobState.queued, .requeue, JobState.queued),
        (processing, .step(.muxing), JobState(status: .processing, step: .muxing)),
        (processing, .step(.recording), JobState(status: .processing, step: .recording)),
        (processing, .step(.uploading), JobState(status: .processing, step: .uploading)),
        (processing, .step(.waiting), JobState(status: .processing, step: .waiting)),
        (processing, .retryScheduled, JobState(status: .processing, step: .waiting)),
        (processing, .complete, JobState(status: .completed, step: .finished)),
        (processing, .fail(.error), JobState(status: .failed, step: .finished)),
        (processing, .fail(.warning), JobState(status: .warning, step: .finished)),
        (processing, .skip, JobState(status: .skipped, step: .finished)),
        (processing, .cancel, JobState(status: .failed, step: .cancelled)),
        (processing, .requeue, JobState.queued),
    ])
    func legalTransitions(from: JobState, event: JobEvent, to: JobState) {
        #expect(from.apply(event) == to)
    }

    @Test(arguments: [
        (JobState.queued, JobEvent.complete), (JobState.queued, .fail(.error)), (JobState.queued, .skip),
        (JobState.queued, .retryScheduled), (JobState.queued, .step(.muxing)),
        (processing, .start), (processing, .step(.finished)), (processing, .step(.cancelled)),
        (processing, .step(.queued)),
    ])
    func illegalTransitions(from: JobState, event: JobEvent) {
        #expect(from.apply(event) == nil)
    }

    static let terminalStates = [
        JobState(status: .completed, step: .finished), JobState(status: .failed, step: .finished),
        JobState(status: .failed, step: .cancelled), JobState(status: .warning, step: .finished),
        JobState(status: .skipped, step: .finished),
    ]
    static let allEvents: [JobEvent] =
        [.start, .retryScheduled, .complete, .fail(.error), .fail(.warning), .skip, .cancel, .requeue]
        + JobStep.allCases.map { .step($0) }

    @Test(arguments: terminalStates)
    func terminalStatesStayTerminal(state: JobState) {
        #expect(state.status.isTerminal)
        for event in Self.allEvents {
            #expect(state.apply(event) == nil, "\(state) must not accept \(event)")
        }
    }

    @Test func terminalStatuses() {
        #expect(JobStatus.allCases.filter(\.isTerminal) == [.completed, .failed, .warning, .skipped])
    }

    @Test func spellingMatchesTheHostedAPI() {
        #expect(
            JobStatus.allCases.map(\.rawValue) == [
                "Pending", "Processing", "Completed", "Failed", "Warning", "Skipped",
            ])
        #expect(
            JobStep.allCases.map(\.rawValue)
                == ["Queued", "Waiting", "Downloading", "Recording", "Muxing", "Uploading", "Finished", "Cancelled"])
    }
}
