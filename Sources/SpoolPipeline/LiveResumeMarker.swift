import Foundation
import SpoolCore
import SpoolFiles

/// "Recorded, awaiting conversion": the marker file (`recorded.json`) a shutdown leaves in a live job's
/// work directory when it stopped the attempt after the recording was finalised and before it was
/// published (folder-contract §8). The raw recording stays next to it; the next attempt converts and
/// publishes that file instead of recording again, and start-up recovery keeps such directories.
///
/// A file rather than a column: it lives and dies with the recording it describes (written atomically
/// after the recorder has exited, so a marker always names a finalised file; removed with the work
/// directory), and a `kill -9` between the two cannot leave the store pointing at nothing.
package struct LiveResumeMarker: Codable, Sendable, Equatable {
    package static let fileName = "recorded.json"

    /// The recording, relative to the work directory (the root may have moved since).
    package var media: String
    /// Seconds recorded, all parts together, as the recorder counted them.
    package var recordedSeconds: Double
    /// The shutdown stopped the recorder (stopped_reason `shutdown`); false when the recording had
    /// already ended and only its conversion was interrupted.
    package var stoppedByShutdown: Bool
    /// The watchdog ended the recording (no new media, or the stream lost past the grace).
    package var streamEnded: Bool
    /// The recording's notes so far (from-start refused, reconnects, the stream lost).
    package var notes: [String]

    enum CodingKeys: String, CodingKey {
        case media
        case recordedSeconds = "recorded_s"
        case stoppedByShutdown = "stopped_by_shutdown"
        case streamEnded = "stream_ended"
        case notes
    }

    package init(media: String, recordedSeconds: Double, stoppedByShutdown: Bool, streamEnded: Bool, notes: [String]) {
        self.media = media
        self.recordedSeconds = recordedSeconds
        self.stoppedByShutdown = stoppedByShutdown
        self.streamEnded = streamEnded
        self.notes = notes
    }

    /// The note the published result carries: the conversion happened after a restart.
    package static let resumedNote =
        "the service stopped before this recording was converted; it was converted after the restart"

    /// The marker's path in the work directory at `path`.
    package static func path(inWorkDirectory path: String) -> String { path + "/" + fileName }

    /// The marker in the work directory at `path`, when there is one that names a recording still there
    /// (inside the directory, non-empty); nil otherwise (no marker, unreadable, or its file is gone).
    package static func read(workDirectory path: String) -> LiveResumeMarker? {
        guard let data = FileManager.default.contents(atPath: Self.path(inWorkDirectory: path)),
            let marker = try? JSONDecoder().decode(LiveResumeMarker.self, from: data),
            let media = marker.mediaPath(inWorkDirectory: path)
        else { return nil }
        let size = ((try? FileManager.default.attributesOfItem(atPath: media))?[.size] as? NSNumber)?.int64Value
        return (size ?? 0) > 0 ? marker : nil
    }

    /// The recording's absolute path; nil when `media` would leave the work directory.
    package func mediaPath(inWorkDirectory path: String) -> String? {
        let parts = media.split(separator: "/", omittingEmptySubsequences: false)
        guard !media.isEmpty, !media.hasPrefix("/"), !parts.contains(where: { $0 == ".." || $0.isEmpty }) else {
            return nil
        }
        return path + "/" + media
    }

    /// A marker for `mediaPath` (absolute, inside the work directory at `path`); nil when it is elsewhere.
    package static func relative(_ mediaPath: String, toWorkDirectory path: String) -> String? {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        guard mediaPath.hasPrefix(prefix), mediaPath.count > prefix.count else { return nil }
        return String(mediaPath.dropFirst(prefix.count))
    }

    /// Writes the marker atomically and durably, after making the recording it names durable too (the
    /// recorder has exited, so the file is finalised).
    package func write(workDirectory path: String) throws {
        if let media = mediaPath(inWorkDirectory: path), FileManager.default.fileExists(atPath: media) {
            try AtomicFile.sync([media])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: Self.path(inWorkDirectory: path))
    }

    /// Whether an attempt that ended with `outcome` leaves its work directory for the next one: only a
    /// shutdown's stop (never a cancel, never an attempt that ended by itself) with a marker written.
    package static func keepsWork(outcome: JobOutcome, stop: StopRequest.Kind?, markerWritten: Bool) -> Bool {
        guard case .cancelled = outcome, stop != .cancel else { return false }
        return markerWritten
    }

    /// Whether an ffmpeg argv encodes video (`-c:v` other than `copy`): the step a shutdown does not wait for.
    package static func encodesVideo(_ arguments: [String]) -> Bool {
        zip(arguments, arguments.dropFirst()).contains { $0 == "-c:v" && $1 != "copy" }
    }
}
