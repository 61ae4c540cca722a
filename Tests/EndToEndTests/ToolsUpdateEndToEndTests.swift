// `spool tools update` / `spool tools rollback` with real yt-dlp releases from PyPI, installed into a
// venv the test makes, self-tested against a clip served on 127.0.0.1 (tool-behaviour §4).

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

    @Test("doctor warns about a yt-dlp more than 60 days old and names spool tools update; a newer one is ok")
    func doctorNamesTheCommand() throws {
        let stale = "2026.08.19"  // a real release, 100+ days before the newer one's 60-day window closes
        let f = try Fixture("spool-e2e-tools-doctor")
        defer { try? FileManager.default.removeItem(at: f.base) }
        let installed = try f.spool(["update", "--version", stale])
        try #require(installed.status == 0, "\(installed.output)")
        let root = f.base.appendingPathComponent("root").path
        let doctor = try runWithEnvironment(
            try Paths.spoolBinary(), ["doctor", "--root", root, "--config", f.config], environment: cleanEnvironment)
        let line = doctor.stdout.split(separator: "\n").first { $0.contains(" yt-dlp ") }.map(String.init) ?? ""
        #expect(line.hasPrefix("WARN") && line.contains("2026.08.19"), "\(doctor.stdout)")
        #expect(line.contains("older than 60 days") && line.contains("`spool tools update`"), "\(doctor.stdout)")

        let updated = try f.spool(["update", "--version", Self.newer])
        try #require(updated.status == 0, "\(updated.output)")
        let after = try runWithEnvironment(
            try Paths.spoolBinary(), ["doctor", "--root", root, "--config", f.config], environment: cleanEnvironment)
        let newLine = after.stdout.split(separator: "\n").first { $0.contains(" yt-dlp ") }.map(String.init) ?? ""
        // The newer release is under 60 days old until 2026-12-25; after that the warning is right too.
        let released = try #require(ISO8601DateFormatter().date(from: "2026-10-26T00:00:00Z"))
        let fresh = Date().timeIntervalSince(released) <= 60 * 86_400
        #expect(newLine.contains(Self.newer), "\(after.stdout)")
        #expect(newLine.hasPrefix(fresh ? "ok" : "WARN"), "\(after.stdout)")
    }

    @Test("a running spool serve runs the switched yt-dlp from its next job on, without a restart")
    func servePicksUpSwitch() async throws {
        let venv = try Fixture("spool-e2e-tools-serve")
        defer { try? FileManager.default.removeItem(at: venv.base) }
        let config = """
            {"rescan_interval_s": 0.5, "incomplete_grace_s": 2, "retries": 0, "allow_private_network": true,
             "log_level": "debug", "yt_dlp_path": "\(venv.entry)"}
            """
        let spool = try SpoolRoot("tools-serve", config: config)
        func update(_ version: String) throws {
            let result = try runWithEnvironment(
                spool.binary, ["tools", "update", "--version", version, "--config", spool.config.path],
                environment: cleanEnvironment, timeout: 300)
            try #require(result.status == 0, "\(result.output)")
        }
        /// Runs one job; the yt-dlp its log line names, and its status.
        func runJob(_ stem: String) async throws -> (program: String?, status: String?) {
            let lab = try await sharedLab()
            try spool.drop("\(stem).json", batchJSON(jobs: [(lab.url(Lab.clips[0].name), stem)]))
            let ids = try await spool.acceptedReceipt(stem)
            _ = try await spool.finishedBatch(ids.batchID)
            let log = (try? String(contentsOf: spool.log, encoding: .utf8)) ?? ""
            let line = log.split(separator: "\n").first { $0.contains("yt-dlp in use") && $0.contains(ids.jobIDs[0]) }
            let program = line.flatMap { l in
                l.range(of: #"yt_dlp=\S+"#, options: .regularExpression).map {
                    String(l[$0].dropFirst("yt_dlp=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            }
            return (program, spool.job(ids.jobIDs[0])?["status"] as? String)
        }

        try update(Self.older)
        try spool.start()
        let first = try await runJob("first")
        #expect(first.status == "Completed", "\(spool.diagnostics())")
        #expect(first.program == venv.venv + "/spool-tools/yt-dlp/versions/\(Self.older)/yt-dlp", "\(first)")

        try update(Self.newer)
        let second = try await runJob("second")
        try spool.requireRunning()
        #expect(spool.starts == 1, "no restart")
        #expect(second.status == "Completed", "\(spool.diagnostics())")
        #expect(second.program == venv.venv + "/spool-tools/yt-dlp/versions/\(Self.newer)/yt-dlp", "\(second)")
        try await spool.stop()
    }

    @Test("the first update from a venv's own bin/yt-dlp keeps it as previous; rollback goes back to it")
    func firstSwitchFromVenvBin() throws {
        let f = try Fixture("spool-e2e-tools-venvbin")
        defer { try? FileManager.default.removeItem(at: f.base) }
        let pip = try runCommand(
            URL(fileURLWithPath: f.venv + "/bin/python3"),
            ["-m", "pip", "install", "--disable-pip-version-check", "--quiet", "yt-dlp==\(Self.older)"], timeout: 300)
        try #require(pip.status == 0, "\(pip.output)")
        let own = f.venv + "/bin/yt-dlp"
        try Data(#"{"yt_dlp_path": "\#(own)"}"#.utf8).write(to: URL(fileURLWithPath: f.config))

        let update = try f.spool(["update", "--version", Self.newer])
        #expect(update.status == 0, "\(update.output)")
        #expect(update.stdout.contains("in use:  yt-dlp \(Self.older) (\(own))"), "\(update.stdout)")
        #expect(update.stdout.contains("note: yt_dlp_path is \(own); set it to \(f.entry)"), "\(update.stdout)")
        #expect(try f.entryVersion() == Self.newer)
        #expect(f.recorded("current") == Self.newer && f.recorded("previous") == Self.older)

        let back = try f.spool(["rollback"])
        #expect(back.status == 0, "\(back.output)")
        #expect(f.realEntry == URL(fileURLWithPath: own).resolvingSymlinksInPath().path)
        #expect(try f.entryVersion() == Self.older)
    }
}
