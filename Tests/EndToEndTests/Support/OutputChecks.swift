// Helpers for the option suites: what a container really is, a job's output on disk, tool names.

import Foundation
import Testing

extension Probe {
    /// The first stream of a type.
    func stream(_ type: String) -> [String: Any]? {
        streams.first { ($0["codec_type"] as? String) == type }
    }

    var width: Int? { jsonInt(stream("video")?["width"]) }
    var height: Int? { jsonInt(stream("video")?["height"]) }
    var shorterSide: Int? {
        guard let w = width, let h = height else { return nil }
        return min(w, h)
    }
    /// The audio stream's bit rate, else the container's (Opus in Ogg/Matroska has none per stream).
    var audioBitRate: Int? {
        (jsonDouble(stream("audio")?["bit_rate"]) ?? jsonDouble(format["bit_rate"])).map { Int($0) }
    }
    /// The audio stream's own bit rate (ffprobe writes it as a string).
    var audioStreamBitRate: Int? { jsonDouble(stream("audio")?["bit_rate"]).map { Int($0) } }
    var majorBrand: String? { (format["tags"] as? [String: Any])?["major_brand"] as? String }
}

/// The container a file really is, told apart beyond ffprobe's shared demuxer names:
/// mp4/mov/m4a by the `ftyp` brand, webm/mkv by the EBML DocType.
func containerKind(_ file: URL, _ probe: Probe) -> String {
    let name = probe.formatName
    if name.hasPrefix("mov,mp4") {
        switch probe.majorBrand?.trimmingCharacters(in: .whitespaces) {
        case "qt": return "mov"
        case "M4A": return "m4a"
        default: return "mp4"
        }
    }
    if name.hasPrefix("matroska") {
        let head = (try? FileHandle(forReadingFrom: file))?.readData(ofLength: 64) ?? Data()
        return head.range(of: Data("webm".utf8)) != nil ? "webm" : "mkv"
    }
    if name == "ogg" { return "ogg" }
    return name
}

/// A status file's error text is one plain sentence that names no internal tool.
func expectPlainSentence(_ text: String?, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let text, !text.isEmpty else {
        Issue.record("no error text", sourceLocation: sourceLocation)
        return
    }
    for tool in ["yt-dlp", "yt_dlp", "youtube-dl", "ffmpeg", "ffprobe", "ERROR:", "Traceback"] {
        #expect(
            !text.lowercased().contains(tool.lowercased()), "\(tool) leaked: \(text)", sourceLocation: sourceLocation)
    }
    #expect(!text.contains("\n"), "more than one line: \(text)", sourceLocation: sourceLocation)
    #expect(text.hasSuffix("."), "not a sentence: \(text)", sourceLocation: sourceLocation)
    #expect(text.first?.isUppercase == true, "not a sentence: \(text)", sourceLocation: sourceLocation)
}

extension SpoolRoot {
    /// Drops one batch per entry at once and waits for all of them; returns (name → receipt).
    func dropAll(_ batches: [(name: String, json: String)]) async throws -> [String: (
        batchID: String, jobIDs: [String]
    )] {
        for b in batches { try drop("\(b.name).json", b.json) }
        var receipts: [String: (batchID: String, jobIDs: [String])] = [:]
        for b in batches { receipts[b.name] = try await acceptedReceipt(b.name) }
        return receipts
    }

    /// The output file of a Completed job, with its status document; records an issue otherwise.
    func completedOutput(_ jobID: String, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> (job: [String: Any], file: URL)
    {
        let job = try #require(self.job(jobID), "jobs/\(jobID).json missing", sourceLocation: sourceLocation)
        try #require(
            job["status"] as? String == "Completed", "job not Completed: \(job)\n\(diagnostics(lines: 30))",
            sourceLocation: sourceLocation)
        let path = try #require(job["output_path"] as? String, sourceLocation: sourceLocation)
        return (job, url(path))
    }
}

/// Records every distinct version of a status file from its own thread (every 10 ms), so that short
/// states (a retry's Waiting, progress values) are seen even when the test's async tasks are starved
/// by other suites running in parallel.
final class StatusWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var docs: [[String: Any]] = []
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(_ file: URL) {
        Thread.detachNewThread { [self] in
            var last: Data?
            while self.isRunning {
                if let data = try? Data(contentsOf: file), data != last, !data.isEmpty,
                    let doc = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
                {
                    last = data
                    self.lock.lock()
                    self.docs.append(doc)
                    self.lock.unlock()
                }
                usleep(10_000)
            }
            self.done.signal()
        }
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    /// Stops the thread and returns every version seen, oldest first.
    func stop() -> [[String: Any]] {
        lock.lock()
        running = false
        lock.unlock()
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        return docs
    }
}
