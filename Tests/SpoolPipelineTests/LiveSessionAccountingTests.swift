import Foundation
import Testing

@testable import SpoolCore
@testable import SpoolPipeline

@Suite("Live session accounting")
struct LiveSessionAccountingTests {
    @Test(
        "a part after a reconnect: its time does not count until the join is compared, then only past the repeated seconds; the total never steps back"
    )
    func repeatedSecondsDoNotCount() {
        let session = LiveSession(settings: LiveSettings(), maxDuration: 20)
        session.beginPart(offset: 0)
        #expect(session.advance(to: 0) == 0)
        #expect(session.advance(to: 12) == 12)
        // Part 2 starts 5 s inside part 1 (not known yet): all of it may be repeated, so none of it counts yet.
        session.beginPart(offset: session.recordedSoFar, afterReconnect: true)
        #expect(session.seamPending)
        #expect(session.advance(to: 0) == nil, "a part's 0 s is not progress")
        #expect(session.advance(to: 6) == 12)
        session.repeatedSeconds(5)
        #expect(!session.seamPending)
        #expect(session.recordedSoFar == 13, "the total goes on (never back) once the repeated seconds are known")
        #expect(session.advance(to: 9) == 16)
        #expect(session.advance(to: 8) == nil, "time does not go back within a part")
        // A third part joined without a repeat counts from the unique total.
        session.beginPart(offset: session.recordedSoFar, afterReconnect: true)
        session.repeatedSeconds(0)
        #expect(session.advance(to: 2) == 18)
    }

    @Test("without a recorder running, reaching the unique cap stops nothing and is not taken as a stop")
    func capNeedsARecorder() {
        let session = LiveSession(settings: LiveSettings(), maxDuration: 10)
        session.beginPart(offset: 8, afterReconnect: true)
        session.repeatedSeconds(1)
        #expect(session.advance(to: 4) == 11)
        #expect(!session.stopRequested)
    }
}
