import Testing

@testable import SpoolPipeline

/// The watchdog's rule (`LiveWatchdog`): a recorder that has not sent its first media is still starting
/// and is not judged by the reconnect grace; one that has sent media is.
@Suite("Live watchdog", .timeLimit(.minutes(1)))
struct LiveWatchdogTests {
    private let settings = LiveSettings(reconnectGrace: .seconds(4), firstMediaGrace: .seconds(60))

    @Test(
        "a recorder still starting (no media yet) is not stalled after the reconnect grace, only after the first-media grace"
    )
    func startingRecorder() {
        // Seen under load: no media yet 8–16 s after the job (re)started, with the reconnect grace at 4 or 8 s.
        #expect(!LiveWatchdog.isStalled(sinceLastMedia: .seconds(5), mediaSeen: false, settings: settings))
        #expect(!LiveWatchdog.isStalled(sinceLastMedia: .seconds(59), mediaSeen: false, settings: settings))
        #expect(LiveWatchdog.isStalled(sinceLastMedia: .seconds(61), mediaSeen: false, settings: settings))
        #expect(LiveWatchdog.allowance(mediaSeen: false, settings: settings) == .seconds(60))
    }

    @Test("a recorder that has sent media is stalled once the reconnect grace passes without new media")
    func runningRecorder() {
        #expect(!LiveWatchdog.isStalled(sinceLastMedia: .seconds(3), mediaSeen: true, settings: settings))
        #expect(LiveWatchdog.isStalled(sinceLastMedia: .seconds(5), mediaSeen: true, settings: settings))
        #expect(LiveWatchdog.allowance(mediaSeen: true, settings: settings) == .seconds(4))
    }

    @Test("a reconnect grace longer than the first-media grace applies to a starting recorder too")
    func longGrace() {
        let long = LiveSettings(reconnectGrace: .seconds(90), firstMediaGrace: .seconds(60))
        #expect(!LiveWatchdog.isStalled(sinceLastMedia: .seconds(80), mediaSeen: false, settings: long))
        #expect(LiveWatchdog.isStalled(sinceLastMedia: .seconds(91), mediaSeen: false, settings: long))
    }
}
