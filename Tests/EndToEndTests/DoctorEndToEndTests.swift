// Operator experience: `spool doctor`.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - doctor

@Suite("Operator: spool doctor", .serialized, .timeLimit(.minutes(2)))
struct DoctorTests {
    @Test("everything present: every check ok, exit 0")
    func allPresent() throws {
        let binary = try Paths.spoolBinary()
        let base = try Paths.makeTempDir("spool-op-doctor")
        defer { try? FileManager.default.removeItem(at: base) }
        let result = try runWithEnvironment(
            binary, ["doctor", "--root", base.appendingPathComponent("root").path],
            environment: cleanEnvironment)
        #expect(result.status == 0, "\(result.output)")
        for check in ["yt-dlp", "ffmpeg", "ffprobe", "root", "inbox fs", "inotify", "disk"] {
            #expect(
                result.stdout.split(separator: "\n").contains { $0.hasPrefix("ok") && $0.contains(" \(check) ") }
                    || (check == "yt-dlp" && result.stdout.contains("WARN  yt-dlp")),
                "no ok line for \(check):\n\(result.stdout)")
        }
        #expect(result.stdout.contains("max_user_watches=") && result.stdout.contains("max_queued_events="))
        #expect(
            result.stdout.range(of: #"yt-dlp +20\d\d\.\d\d\.\d\d"#, options: .regularExpression) != nil,
            "\(result.stdout)")
        #expect(!result.stdout.contains("FAIL"))
        #expect(result.stdout.contains("0 error(s)"))
        if ProcessInfo.processInfo.environment["SPOOL_SCREEN_CAPTURE"] == "1" {
            try Data(result.stdout.utf8).write(to: URL(fileURLWithPath: "/tmp/spool-doctor.txt"))
        }
    }

    @Test("a missing tool (yt_dlp_path in the configuration) fails with the key to set, exit 1")
    func missingTool() throws {
        let binary = try Paths.spoolBinary()
        let base = try Paths.makeTempDir("spool-op-doctor-missing")
        defer { try? FileManager.default.removeItem(at: base) }
        let config = base.appendingPathComponent("spool.json")
        try Data(#"{"yt_dlp_path": "/nonexistent/bin/yt-dlp"}"#.utf8).write(to: config)
        let result = try runWithEnvironment(
            binary, ["doctor", "--root", base.path, "--config", config.path], environment: cleanEnvironment)
        #expect(result.status == 1, "\(result.output)")
        let fail = result.stdout.split(separator: "\n").first { $0.hasPrefix("FAIL") && $0.contains("yt-dlp") }
        #expect(fail?.contains("/nonexistent/bin/yt-dlp not found") == true, "\(result.stdout)")
        #expect(fail?.contains("yt_dlp_path") == true)
        #expect(result.stdout.split(separator: "\n").contains { $0.hasPrefix("ok") && $0.contains(" ffmpeg ") })
        #expect(result.stdout.contains("1 error(s)"))
    }
}
