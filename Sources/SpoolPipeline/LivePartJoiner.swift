import Foundation
import Logging
import SpoolCore

/// Joins the parts of a recording that reconnected (issue 5) into the one media file the rest of
/// the pipeline expects: ffmpeg's concat demuxer, streams copied (the parts come from the same
/// stream, so they share codecs and parameters), run as an argv without a shell.
///
/// A part recorded after a reconnect starts before the previous part ended (issue 16: the
/// recorder restarts behind the live edge), so each join is first checked for media recorded
/// twice (`LiveSeam`, packet checksums) and the previous part is cut where the repeat begins.
struct LivePartJoiner: Sendable {
    var ffmpeg: String
    var runner: ToolRunner
    var logger: Logger? = nil
    /// The recording's `max_duration`: the joined file is cut there.
    var maxDuration: Int? = nil

    /// What joining came to: the joined file (and a note per join that could not be made
    /// seamless), or why there is none.
    enum Outcome: Sendable {
        case joined(String, notes: [String])
        case failed(String)
    }

    /// Joins `parts` (in order) into `<workDirectory>/recording.<ext of the first part>`.
    func join(parts: [String], workDirectory: String) async throws -> Outcome {
        guard let first = parts.first else { return .failed("no parts") }
        if parts.count == 1 { return .joined(first, notes: []) }
        var cuts: [Double?] = []
        var notes: [String] = []
        for index in parts.indices.dropLast() {
            let resolution = try await resolveJoin(parts[index], parts[index + 1], workDirectory: workDirectory)
            logger?.info(
                "live parts compared at their join",
                metadata: ["part": "\(index + 1)", "resolution": "\(resolution)"])
            if case .overlap(let cutAt, _) = resolution { cuts.append(cutAt) } else { cuts.append(nil) }
            if let note = LiveSeam.unresolvedNote(resolution, part: index + 1) { notes.append(note) }
        }
        cuts.append(nil)
        let ext = (first as NSString).pathExtension
        let output = workDirectory + "/recording." + (ext.isEmpty ? "mkv" : ext)
        let list = workDirectory + "/parts.ffconcat"
        let listed = zip(parts, cuts).map { (path: $0, outpoint: $1) }
        try LiveSeam.concatList(parts: listed).write(toFile: list, atomically: true, encoding: .utf8)
        let result = try await runner.run(
            ffmpeg, arguments: LivePlan.joinArguments(list: list, output: output, maxDuration: maxDuration),
            workingDirectory: workDirectory)
        try? FileManager.default.removeItem(atPath: list)
        guard result.succeeded, FileManager.default.fileExists(atPath: output) else {
            try? FileManager.default.removeItem(atPath: output)
            let why = result.cancelled ? "cancelled" : result.stderrTail.suffix(3).joined(separator: " | ")
            return .failed("exit \(result.exitCode.map(String.init) ?? "signal"): \(why)")
        }
        return .joined(output, notes: notes)
    }

    /// Compares the end of `previous` with the start of `next`. A part ffmpeg cannot list is a
    /// join left as recorded (`.noOverlap`), not a failed recording.
    private func resolveJoin(_ previous: String, _ next: String, workDirectory: String) async throws
        -> LiveSeam.Resolution
    {
        guard let tail = try await checksums(previous, tail: true, workDirectory: workDirectory),
            let head = try await checksums(next, tail: false, workDirectory: workDirectory)
        else { return .noOverlap }
        return LiveSeam.resolve(tail: tail, head: head)
    }

    /// The packet checksums of the first seconds of `part`, still being recorded, remuxed into the
    /// container of `previous` (the finished part it joins) so the two compare; nil when ffmpeg
    /// could not read it (yet).
    func growingHead(_ part: String, like previous: String, workDirectory: String) async throws
        -> [LiveSeam.Packet]?
    {
        let ext = (previous as NSString).pathExtension
        let copy = workDirectory + "/seam-head." + (ext.isEmpty ? "mkv" : ext)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let result = try await runner.run(
            ffmpeg, arguments: LiveSeam.growingHeadArguments(input: part, output: copy), workingDirectory: workDirectory
        )
        guard result.succeeded else { return nil }
        return try await checksums(copy, tail: false, workDirectory: workDirectory, quiet: true)
    }

    /// The packet checksums of `part`'s last (or first) `LiveSeam.window` seconds; nil when
    /// ffmpeg could not list them (`quiet`: a part still being recorded, looked at again later).
    func checksums(_ part: String, tail: Bool, workDirectory: String, quiet: Bool = false) async throws
        -> [LiveSeam.Packet]?
    {
        let listing = workDirectory + (tail ? "/seam-tail.framemd5" : "/seam-head.framemd5")
        defer { try? FileManager.default.removeItem(atPath: listing) }
        let result = try await runner.run(
            ffmpeg, arguments: LiveSeam.checksumArguments(input: part, tail: tail, output: listing),
            workingDirectory: workDirectory)
        guard result.succeeded, let text = try? String(contentsOfFile: listing, encoding: .utf8) else {
            if quiet { return nil }
            logger?.warning(
                "could not list a live part's packets",
                metadata: ["part": "\(part)", "stderr": "\(result.stderrTail.suffix(2).joined(separator: " | "))"])
            return nil
        }
        return LiveSeam.packets(framemd5: text)
    }
}
