// `spool tools update` / `spool tools rollback` with real yt-dlp releases from PyPI, installed into a
// venv the test makes, self-tested against a clip served on 127.0.0.1 (tool-behaviour §3).

import Foundation
import Testing

@Suite("Tools: spool tools update and rollback", .serialized, .timeLimit(.minutes(10)))
struct ToolsUpdateEndToEndTests {
    static let older = "2026.10.21"
    static let newer = "2026.10.26"

    /// A temp dir with a fresh venv (python3 -m venv) and a configuration whose yt_dlp_path is the entry.
    struct Fixture {
        let base: URL
        let venv: String
        let entry: String
        let config: String

        init(_ name: String, extraConfig: String = "") throws {
            base = try Paths.makeTempDir(name)
            venv = base.appendingPathComponent("venv").path
            entry = venv + "/spool-tools/yt-dlp/yt-dlp"
            config = base.appendingPathComponent("spool.json").path
            let made = try runCommand(try Paths.which("python3"), ["-m", "venv", venv], timeout: 180)
            try #require(made.status == 0, "python3 -m venv: \(made.output)")
            try Data(#"{"yt_dlp_path": "\#(entry)"\#(extraConfig)}"#.utf8).write(to: URL(fileURLWithPath: config))
        }

        func spool(_ arguments: [String], timeout: Double = 300) throws -> CommandResult {
            try runWithEnvironment(
                try Paths.spoolBinary(), ["tools"] + arguments + ["--config", config], environment: cleanEnvironment,
                timeout: timeout)
        }

        /// What the entry runs now: its `--version` line.
        func entryVersion() throws -> String {
            let result = try runCommand(URL(fileURLWithPath: entry), ["--version"], timeout: 60)
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        var realEntry: String { URL(fileURLWithPath: entry).resolvingSymlinksInPath().path }

        var record: [String: Any]? { readJSON(URL(fileURLWithPath: venv + "/spool-tools/yt-dlp/record.json")) }

        func recorded(_ which: String) -> String? { (record?[which] as? [String: Any])?["version"] as? String }
    }

    @Test("update --version installs two pinned releases side by side and switches atomically; rollback goes back")
    func updateAndRollback() throws {
        let f = try Fixture("spool-e2e-tools")
        defer { try? FileManager.default.removeItem(at: f.base) }

        let first = try f.spool(["update", "--version", Self.older])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.stdout.contains("in use:  none"), "\(first.stdout)")
        #expect(first.stdout.contains("switched: \(f.entry) -> yt-dlp \(Self.older)"), "\(first.stdout)")
        #expect(try f.entryVersion() == Self.older)
        #expect(f.recorded("current") == Self.older && f.recorded("previous") == nil)
        let olderPath = f.realEntry

        let second = try f.spool(["update", "--version", Self.newer])
        #expect(second.status == 0, "\(second.output)")
        #expect(second.stdout.contains("in use:  yt-dlp \(Self.older) (\(f.entry))"), "\(second.stdout)")
        #expect(second.stdout.contains("self-test:"), "\(second.stdout)")
        #expect(try f.entryVersion() == Self.newer)
        #expect(f.realEntry != olderPath, "the switch must change the entry's realpath (the fork server watches it)")
        #expect(f.recorded("current") == Self.newer && f.recorded("previous") == Self.older)
        let versions = listDir(URL(fileURLWithPath: f.venv + "/spool-tools/yt-dlp/versions"))
        #expect(versions == [Self.older, Self.newer], "side by side, nothing partial: \(versions)")
        #expect(!second.stdout.contains("note: yt_dlp_path"), "the configuration names the entry: \(second.stdout)")

        let check = try f.spool(["update", "--check", "--version", Self.newer])
        #expect(check.status == 0 && check.stdout.contains("yt-dlp is up to date"), "\(check.output)")

        let back = try f.spool(["rollback"])
        #expect(back.status == 0, "\(back.output)")
        #expect(back.stdout.contains("rolled back: \(f.entry) -> yt-dlp \(Self.older)"), "\(back.stdout)")
        #expect(try f.entryVersion() == Self.older)
        #expect(f.realEntry == olderPath)
        #expect(f.recorded("current") == Self.older && f.recorded("previous") == Self.newer)

        let forward = try f.spool(["rollback"])
        #expect(forward.status == 0, "\(forward.output)")
        #expect(try f.entryVersion() == Self.newer)

        let again = try f.spool(["update", "--version", Self.newer])
        #expect(again.status == 0 && again.stdout.contains("already current"), "\(again.output)")
    }

    @Test("a candidate that fails the self-test is not switched to, and is removed")
    func failedSelfTestKeepsCurrent() throws {
        let f = try Fixture("spool-e2e-tools-fail")
        defer { try? FileManager.default.removeItem(at: f.base) }
        let first = try f.spool(["update", "--version", Self.older])
        try #require(first.status == 0, "\(first.output)")

        // The same configuration, but an ffmpeg that is not there: the self-test cannot make its clip.
        let broken = f.base.appendingPathComponent("broken.json")
        try Data(#"{"yt_dlp_path": "\#(f.entry)", "ffmpeg_path": "/nonexistent/ffmpeg"}"#.utf8).write(to: broken)
        let result = try runWithEnvironment(
            try Paths.spoolBinary(), ["tools", "update", "--version", Self.newer, "--config", broken.path],
            environment: cleanEnvironment, timeout: 300)
        #expect(result.status == 1, "\(result.output)")
        #expect(result.stderr.contains("self-test"), "\(result.stderr)")
        #expect(result.stderr.contains("not switched, still yt-dlp \(Self.older)"), "\(result.stderr)")
        #expect(try f.entryVersion() == Self.older)
        #expect(f.recorded("current") == Self.older && f.recorded("previous") == nil)
        #expect(listDir(URL(fileURLWithPath: f.venv + "/spool-tools/yt-dlp/versions")) == [Self.older])

        let rollback = try f.spool(["rollback"])
        #expect(rollback.status == 1 && rollback.stderr.contains("nothing to roll back to"), "\(rollback.output)")
    }

    @Test("bad input: a --version that is not a release date, and a yt-dlp in no venv without --venv")
    func badInput() throws {
        let binary = try Paths.spoolBinary()
        let bad = try runWithEnvironment(
            binary, ["tools", "update", "--version", "2026.10.26 --index-url=http://x"], environment: cleanEnvironment)
        #expect(bad.status == 64, "\(bad.output)")
        #expect(bad.stderr.contains("--version") && bad.stderr.contains("YYYY.MM.DD"), "\(bad.stderr)")

        let base = try Paths.makeTempDir("spool-e2e-tools-novenv")
        defer { try? FileManager.default.removeItem(at: base) }
        let config = base.appendingPathComponent("spool.json")
        try Data(#"{"yt_dlp_path": "/usr/bin/true"}"#.utf8).write(to: config)
        let novenv = try runWithEnvironment(
            binary, ["tools", "update", "--version", Self.newer, "--config", config.path],
            environment: cleanEnvironment)
        #expect(novenv.status == 64, "\(novenv.output)")
        #expect(novenv.stderr.contains("--venv"), "\(novenv.stderr)")
    }

    @Test("--check shows the yt-dlp in use and the newest on PyPI, and installs nothing")
    func checkAgainstPyPI() throws {
        let f = try Fixture("spool-e2e-tools-check")
        defer { try? FileManager.default.removeItem(at: f.base) }
        let first = try f.spool(["update", "--version", Self.older])
        try #require(first.status == 0, "\(first.output)")
        let check = try f.spool(["update", "--check"], timeout: 120)
        #expect(check.status == 0, "\(check.output)")
        #expect(check.stdout.contains("in use:  yt-dlp \(Self.older)"), "\(check.stdout)")
        let line = check.stdout.split(separator: "\n").first { $0.hasPrefix("newest:  yt-dlp ") }
        let newest = line.map { String($0.dropFirst("newest:  yt-dlp ".count).prefix { $0 != " " }) }
        #expect(
            newest.map { $0.compare(Self.newer, options: .numeric) != .orderedAscending } == true, "\(check.stdout)")
        #expect(line?.contains("on PyPI (uploaded 20") == true, "\(check.stdout)")
        #expect(check.stdout.contains("update available: run `spool tools update`"), "\(check.stdout)")
        #expect(try f.entryVersion() == Self.older)
        #expect(listDir(URL(fileURLWithPath: f.venv + "/spool-tools/yt-dlp/versions")) == [Self.older])
    }
}
