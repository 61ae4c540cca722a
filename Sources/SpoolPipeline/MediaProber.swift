import Foundation
import SpoolCore

/// Runs ffprobe on a file and parses what it says.
package struct MediaProber: Sendable {
    package var ffprobe: String
    package var runner: ToolRunner

    package init(ffprobe: String, runner: ToolRunner = ToolRunner()) {
        self.ffprobe = ffprobe
        self.runner = runner
    }

    /// nil when ffprobe cannot read the file as media.
    package func probe(_ path: String) async throws -> MediaInfo? {
        let collected = LineCollector()
        let result = try await runner.run(
            ffprobe, arguments: ["-v", "error", "-show_streams", "-show_format", "-of", "json", "-i", path],
            onLine: { await collected.append($0) })
        guard result.succeeded else { return nil }
        let text = await collected.text
        guard let info = MediaInfo.parse(ffprobeJSON: Data(text.utf8)), !info.streams.isEmpty else { return nil }
        return info
    }
}

/// Gathers a tool's stdout lines.
actor LineCollector {
    private var lines: [String] = []
    func append(_ line: String) { lines.append(line) }
    var text: String { lines.joined(separator: "\n") }
}
