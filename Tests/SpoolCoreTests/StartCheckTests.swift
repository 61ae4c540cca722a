import Foundation
import Testing

@testable import SpoolCore

@Suite("StartCheck")
struct StartCheckTests {
    @Test("an upcoming premiere is not started; a live stream without live_recording is refused; a VOD is available")
    func fromProbe() {
        let upcoming = LiveProbe(isLive: false, liveStatus: "is_upcoming", extractorKey: "Youtube")
        #expect(StartCheck.decide(probe: upcoming, exitCode: 0, stderr: []) == .notStarted)
        let live = LiveProbe(isLive: true, liveStatus: "is_live", extractorKey: "Generic")
        #expect(StartCheck.decide(probe: live, exitCode: 0, stderr: []) == .liveWithoutRecording)
        let vod = LiveProbe(isLive: false, liveStatus: "not_live", extractorKey: "Generic")
        #expect(StartCheck.decide(probe: vod, exitCode: 0, stderr: []) == .available)
        let wasLive = LiveProbe(isLive: false, liveStatus: "was_live", extractorKey: "Youtube")
        #expect(StartCheck.decide(probe: wasLive, exitCode: 0, stderr: []) == .available)
    }

    @Test("the probe's JSON is read as yt-dlp prints it (a playlist: its first entry)")
    func fromJSON() throws {
        let json = Data(#"{"_type":"playlist","entries":[{"is_live":true,"extractor_key":"Generic"}]}"#.utf8)
        let probe = try #require(LiveProbe(json: json))
        #expect(StartCheck.decide(probe: probe, exitCode: 0, stderr: []) == .liveWithoutRecording)
    }

    @Test(
        "a URL that answers 404/410 or says it is scheduled is not started yet",
        arguments: [
            "ERROR: [generic] Unable to download webpage: HTTP Error 404: Not Found",
            "ERROR: [generic] Unable to download webpage: HTTP Error 410: Gone",
            "ERROR: [youtube] abc: Premieres in 3 hours",
        ])
    func notStarted(line: String) {
        #expect(StartCheck.decide(probe: nil, exitCode: 1, stderr: ["[generic] Extracting URL", line]) == .notStarted)
    }

    @Test("another probe error is a failure of its own; exit 0 without JSON leaves it to the download")
    func otherOutcomes() {
        let refused = ["ERROR: [generic] Unable to download webpage: <urlopen error [Errno 111] Connection refused>"]
        #expect(StartCheck.decide(probe: nil, exitCode: 1, stderr: refused) == .failed)
        #expect(StartCheck.decide(probe: nil, exitCode: nil, stderr: []) == .failed)
        #expect(StartCheck.decide(probe: nil, exitCode: 0, stderr: []) == .available)
    }

    @Test("the live-stream sentence names live_recording and is one plain sentence")
    func sentence() {
        let text = StartCheck.liveWithoutRecordingMessage
        #expect(text.contains("live_recording"))
        #expect(text.hasSuffix(".") && !text.contains("\n") && text.first?.isUppercase == true)
    }
}
