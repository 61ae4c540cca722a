import Foundation
import SpoolCore

/// Joins the parts of a recording that reconnected (issue 5) into the one media file the rest of
/// the pipeline expects: ffmpeg's concat demuxer, streams copied (the parts come from the same
/// stream, so they share codecs and parameters), run as an argv without a shell.
struct LivePartJoiner: Sendable {
    var ffmpeg: String
    var runner: ToolRunner

    /// What joining came to: the joined file, or why there is none.
    enum Outcome: Sendable {
        case joined(String)
        case failed(String)
    }

    /// Joins `parts` (in order) into `<workDirectory>/recording.<ext of the first part>`.
    func join(parts: [String], workDirectory: String) async throws -> Outcome {
        guard let first = parts.first else { return .failed("no parts") }
        if parts.count == 1 { return .joined(first) }
        let ext = (first as NSString).pathExtension
        let output = workDirectory + "/recording." + (ext.isEmpty ? "mkv" : ext)
        let list = workDirectory + "/parts.ffconcat"
        try LivePlan.concatList(parts: parts).write(toFile: list, atomically: true, encoding: .utf8)
        let result = try await runner.run(
            ffmpeg, arguments: LivePlan.joinArguments(list: list, output: output), workingDirectory: workDirectory)
        try? FileManager.default.removeItem(atPath: list)
        guard result.succeeded, FileManager.default.fileExists(atPath: output) else {
            try? FileManager.default.removeItem(atPath: output)
            let why = result.cancelled ? "cancelled" : result.stderrTail.suffix(3).joined(separator: " | ")
            return .failed("exit \(result.exitCode.map(String.init) ?? "signal"): \(why)")
        }
        return .joined(output)
    }
}
