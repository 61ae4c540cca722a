// Operator experience: the sample inbox and `spool demo`.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - sample inbox and demo

@Suite("Operator: sample inbox and demo", .serialized, .timeLimit(.minutes(4)))
struct SampleDemoTests {
    @Test("sample-inbox has one validated example per feature, each explained in its README")
    func sampleInbox() throws {
        let binary = try Paths.spoolBinary()
        let readme = try String(contentsOf: Paths.sampleInbox.appendingPathComponent("README.md"), encoding: .utf8)
        let files = listDir(Paths.sampleInbox).filter { $0.hasSuffix(".json") }
        let features: [(file: String, key: String?)] = [
            ("basic.json", nil), ("folder-and-filenames.json", "folder"), ("audio-only.json", "audio_only"),
            ("format-and-codecs.json", "video_codec"), ("quality-and-resolution.json", "max_resolution"),
            ("clip.json", "clip_start"), ("subtitles-and-thumbnail.json", "download_thumbnail"),
            ("live-recording.json", "max_duration"), ("wait-for-scheduled-stream.json", "wait_for_video"),
            ("nightly-archive.json", "idempotency_key"),
        ]
        for (file, key) in features {
            #expect(files.contains(file), "missing sample \(file)")
            #expect(readme.contains("| `\(file)` |"), "README does not explain \(file)")
            let doc = readJSON(Paths.sampleInbox.appendingPathComponent(file))
            if let key { #expect(doc?[key] != nil, "\(file) does not use \(key)") }
        }
        for file in files { #expect(readme.contains("`\(file)`"), "README does not mention \(file)") }
        let result = try runCommand(
            binary, ["validate"] + files.map { Paths.sampleInbox.appendingPathComponent($0).path })
        #expect(result.status == 0, "\(result.output)")
        #expect(
            result.stdout.split(separator: "\n").filter { $0.hasSuffix(")") && $0.contains(": ok (") }.count
                == files.count)
    }

    @Test("spool demo runs to the end offline: videos made, served, downloaded; tree of out/ and a status file")
    func demo() throws {
        let binary = try Paths.spoolBinary()
        let began = Date()
        let result = try runWithEnvironment(binary, ["demo"], environment: cleanEnvironment, timeout: 150)
        let took = Date().timeIntervalSince(began)
        #expect(result.status == 0, "exit \(result.status):\n\(result.output)")
        for step in 1...5 { #expect(result.stdout.contains("[\(step)/5]"), "step \(step)") }
        #expect(result.stdout.contains("done: all 4 jobs completed"), "\(result.stdout)")
        for line in [
            "out/", "demo/", "videos/", "01 Sunrise.mkv", "02 Harbour.mkv", "audio/", "Harbour tone (1 s).m4a",
        ] {
            #expect(result.stdout.contains(line), "tree lacks \(line)")
        }
        #expect(result.stdout.contains("\"status\"") && result.stdout.contains("\"Completed\""), "no status file shown")
        #expect(result.stdout.contains("service stopped (exit 0)"))
        #expect(result.stdout.contains("removed "))
        #expect(took < 120, "demo took \(took) s (a limit two busy cores can meet)")
    }
}
