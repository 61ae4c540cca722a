import Testing

@testable import SpoolCore

/// Every event in every state the job can be in, against a table written out by hand (not derived from
/// `JobState.apply`): "Status/Step" is the state after the event, "-" a refused event.
@Suite("Job state machine: the whole transition table")
struct JobTransitionTableTests {
    static let events: [JobEvent] = [
        .start, .step(.queued), .step(.waiting), .step(.downloading), .step(.recording), .step(.muxing),
        .step(.uploading), .step(.finished), .step(.cancelled), .retryScheduled, .complete, .fail(.error),
        .fail(.warning), .skip, .cancel, .requeue,
    ]

    // Columns follow `events`.
    static let running = [
        "-", "-", "Processing/Waiting", "Processing/Downloading", "Processing/Recording", "Processing/Muxing",
        "Processing/Uploading", "-", "-", "Processing/Waiting", "Completed/Finished", "Failed/Finished",
        "Warning/Finished", "Skipped/Finished", "Failed/Cancelled", "Pending/Queued",
    ]
    static let terminal = Array(repeating: "-", count: 16)

    static let table: [(from: String, to: [String])] = [
        (
            "Pending/Queued",
            [
                "Processing/Downloading", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-",
                "Failed/Cancelled", "Pending/Queued",
            ]
        ),
        ("Processing/Waiting", running),
        ("Processing/Downloading", running),
        ("Processing/Recording", running),
        ("Processing/Muxing", running),
        ("Processing/Uploading", running),
        ("Completed/Finished", terminal),
        ("Failed/Finished", terminal),
        ("Failed/Cancelled", terminal),
        ("Warning/Finished", terminal),
        ("Skipped/Finished", terminal),
    ]

    static func state(_ text: String) throws -> JobState? {
        if text == "-" { return nil }
        let parts = text.split(separator: "/").map(String.init)
        let status = try #require(JobStatus(rawValue: parts[0]), "unknown status in \(text)")
        let step = try #require(JobStep(rawValue: parts[1]), "unknown step in \(text)")
        return JobState(status: status, step: step)
    }

    @Test("the table is complete: one row per reachable state, one column per event")
    func tableShape() {
        #expect(Self.table.count == 11)
        #expect(Self.table.allSatisfy { $0.to.count == Self.events.count })
        #expect(Set(Self.table.map(\.from)).count == Self.table.count)
    }

    @Test("apply agrees with the table in every cell", arguments: table.indices)
    func everyCell(row: Int) throws {
        let (fromText, expected) = Self.table[row]
        let from = try #require(try Self.state(fromText))
        for (event, to) in zip(Self.events, expected) {
            #expect(from.apply(event) == (try Self.state(to)), "\(fromText) + \(event)")
        }
    }

    @Test("a refused event throws from `transition` and leaves the job as it was", arguments: table.indices)
    func refusedEventsThrow(row: Int) throws {
        let (fromText, expected) = Self.table[row]
        let from = try #require(try Self.state(fromText))
        for (event, to) in zip(Self.events, expected) {
            let expectedState = try Self.state(to)
            var job = TestJob(state: from)
            let before = job
            do {
                try job.transition(event)
                #expect(expectedState != nil, "\(fromText) accepted \(event)")
                #expect(job.state == expectedState)
            } catch {
                #expect(expectedState == nil, "\(fromText) refused \(event)")
                #expect(error == IllegalTransition(from: from, event: event))
                #expect(job == before)
            }
        }
    }
}
