import Foundation
import Logging
import SpoolCore
import Testing

@testable import SpoolPipeline

/// The "recorded, awaiting conversion" marker a shutdown leaves (folder-contract §8), the decision it
/// drives (convert the kept recording vs record), and the shutdown's bounded finish.
@Suite("Live resume marker", .timeLimit(.minutes(1)))
struct LiveResumeMarkerTests {
    private func marker(_ media: String = "media.mp4") -> LiveResumeMarker {
        LiveResumeMarker(
            media: media, recordedSeconds: 30.2, stoppedByShutdown: true, streamEnded: false,
            notes: ["the recording began at the live edge"])
    }

    @Test("written atomically, read back equal, with snake_case keys; the media path stays inside the directory")
    func roundTrip() async throws {
        try await withTempDirectory { dir in
            try writeText(dir + "/media.mp4", "not empty")
            try marker().write(workDirectory: dir)
            #expect(listing(dir) == ["media.mp4", "recorded.json"])
            let text = try #require(readText(dir + "/recorded.json"))
            for key in ["\"media\"", "\"recorded_s\"", "\"stopped_by_shutdown\"", "\"stream_ended\"", "\"notes\""] {
                #expect(text.contains(key), "\(key) in \(text)")
            }
            #expect(LiveResumeMarker.read(workDirectory: dir) == marker())
            #expect(marker().mediaPath(inWorkDirectory: dir) == dir + "/media.mp4")
            // A later part's file, relative to the directory.
            #expect(
                LiveResumeMarker.relative(dir + "/live-part-2/media.ts", toWorkDirectory: dir) == "live-part-2/media.ts"
            )
            #expect(LiveResumeMarker.relative("/elsewhere/media.mp4", toWorkDirectory: dir) == nil)
        }
    }

    @Test("no marker is read when it is missing, garbage, names a missing or empty file, or leaves the directory")
    func unusableMarkers() async throws {
        try await withTempDirectory { dir in
            #expect(LiveResumeMarker.read(workDirectory: dir) == nil)
            try writeText(dir + "/recorded.json", "{not json")
            #expect(LiveResumeMarker.read(workDirectory: dir) == nil)
            try marker("gone.mp4").write(workDirectory: dir)
            #expect(LiveResumeMarker.read(workDirectory: dir) == nil)
            try writeText(dir + "/empty.mp4", "")
            try marker("empty.mp4").write(workDirectory: dir)
            #expect(LiveResumeMarker.read(workDirectory: dir) == nil)
            try writeText(dir + "/../outside.mp4", "x")
            defer { try? FileManager.default.removeItem(atPath: dir + "/../outside.mp4") }
            for escaping in ["../outside.mp4", "/etc/hostname", "a//b", ""] {
                #expect(marker(escaping).mediaPath(inWorkDirectory: dir) == nil, "\(escaping)")
                try marker(escaping).write(workDirectory: dir)
                #expect(LiveResumeMarker.read(workDirectory: dir) == nil, "\(escaping)")
            }
        }
    }

    @Test("the work directory is kept only for a shutdown's stop with a marker written")
    func keepsWork() {
        let completed = JobOutcome.completed(
            JobResult(), PublishedOutput(OutputPublisher.Publication(keys: ["k"], stagePaths: [])))
        #expect(LiveResumeMarker.keepsWork(outcome: .cancelled, stop: nil, markerWritten: true))
        #expect(LiveResumeMarker.keepsWork(outcome: .cancelled, stop: .shutdown, markerWritten: true))
        #expect(!LiveResumeMarker.keepsWork(outcome: .cancelled, stop: .cancel, markerWritten: true))
        #expect(!LiveResumeMarker.keepsWork(outcome: .cancelled, stop: nil, markerWritten: false))
        #expect(!LiveResumeMarker.keepsWork(outcome: completed, stop: nil, markerWritten: true))
        let failed = JobOutcome.failed(FailureClass(message: "m", type: .error, retryable: true))
        #expect(!LiveResumeMarker.keepsWork(outcome: failed, stop: nil, markerWritten: true))
    }

    @Test("a shutdown during the conversion stops the attempt once the finish budget is spent, not before")
    func finishBudget() async throws {
        let session = LiveSession(
            settings: LiveSettings(shutdownFinishBudget: .milliseconds(600)), maxDuration: nil)
        let inner = Task<JobOutcome, Never> {
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
            return .cancelled
        }
        session.attach(inner)
        session.endRecording()  // the recording is over: the attempt converts
        let stopped = ContinuousClock.now
        session.stop(.shutdown)
        try await Task.sleep(for: .milliseconds(100))
        #expect(!inner.isCancelled, "cancelled before the budget was spent")
        #expect(!session.shutdownCancelled)
        _ = await inner.value
        #expect(ContinuousClock.now - stopped >= .milliseconds(600))
        #expect(session.shutdownCancelled)
        // The recording ended by itself before the shutdown: its reason is its own, not "shutdown".
        #expect(session.stoppedReason(duration: 30) == "stream_ended")
    }

    @Test("a shutdown does not wait for a conversion that encodes video: stopped at once, in either order")
    func encodeStopsAtOnce() async throws {
        #expect(LiveResumeMarker.encodesVideo(["-i", "in", "-c:v", "libx265", "-c:a", "copy", "out"]))
        #expect(!LiveResumeMarker.encodesVideo(["-i", "in", "-c:v", "copy", "-c:a", "aac", "out"]))
        #expect(!LiveResumeMarker.encodesVideo(["-i", "in", "-vn", "-c:a", "libmp3lame", "out"]))
        for encodeFirst in [true, false] {
            let session = LiveSession(settings: LiveSettings(shutdownFinishBudget: .seconds(60)), maxDuration: nil)
            let inner = Task<JobOutcome, Never> {
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                return .cancelled
            }
            session.attach(inner)
            session.endRecording()
            if encodeFirst { session.beginConversion(encodesVideo: true) }
            #expect(!inner.isCancelled, "an encode without a shutdown was stopped")
            session.stop(.shutdown)
            if !encodeFirst { session.beginConversion(encodesVideo: true) }
            let stopped = ContinuousClock.now
            _ = await inner.value
            #expect(ContinuousClock.now - stopped < .seconds(5), "encodeFirst \(encodeFirst)")
            #expect(session.shutdownCancelled)
        }
    }

    @Test("a shutdown whose budget is spent before the recorder has stopped ends the attempt as the recording ends")
    func budgetSpentWhileStopping() async throws {
        let session = LiveSession(settings: LiveSettings(shutdownFinishBudget: .milliseconds(50)), maxDuration: nil)
        let inner = Task<JobOutcome, Never> {
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
            return .cancelled
        }
        session.attach(inner)
        session.endPart()  // between two parts: the shutdown keeps what was recorded, no cancel yet
        session.stop(.shutdown)
        try await Task.sleep(for: .milliseconds(300))
        #expect(!inner.isCancelled, "cancelled while the recording was still being finalised")
        session.endRecording()
        _ = await inner.value
        #expect(session.shutdownCancelled)
        #expect(session.stoppedReason(duration: 10) == "shutdown")
    }

    @Test(
        "the marker of an attempt: only with something recorded, inside the work directory; a resumed session keeps its own"
    )
    func markerOfAttempt() {
        let session = LiveSession(settings: LiveSettings(), maxDuration: 60)
        #expect(session.resumeMarker(finalPath: "/w/media.mp4", workDirectory: "/w") == nil, "nothing recorded")
        _ = session.advance(to: 12.5)
        session.note("a note")
        let made = session.resumeMarker(finalPath: "/w/media.mp4", workDirectory: "/w")
        #expect(made?.media == "media.mp4" && made?.recordedSeconds == 12.5 && made?.notes == ["a note"])
        #expect(made?.stoppedByShutdown == false)
        #expect(session.resumeMarker(finalPath: nil, workDirectory: "/w") == nil)

        let resumed = LiveSession(settings: LiveSettings(), maxDuration: 60, resumed: marker())
        #expect(resumed.resumeMarker(finalPath: nil, workDirectory: "/w") == marker())
        #expect(resumed.stoppedReason(duration: 30.2) == "shutdown")
        #expect(resumed.notes == marker().notes + [LiveResumeMarker.resumedNote])
    }
}
