// Operator experience: configuration precedence and errors, the start-up log, the systemd unit.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - configuration

@Suite("Operator: configuration", .serialized, .timeLimit(.minutes(2)))
struct ConfigurationTests {
    func config(_ binary: URL, _ args: [String], env: [String: String] = [:]) throws -> [String: Any] {
        let result = try runWithEnvironment(
            binary, ["config", "--json"] + args, environment: cleanEnvironment.merging(env) { _, new in new })
        guard result.status == 0,
            let object = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any]
        else { throw E2EError("spool config failed (\(result.status)): \(result.output)") }
        return object
    }

    @Test("defaults: no file, no environment, no flags")
    func defaults() throws {
        let c = try config(try Paths.spoolBinary(), [])
        #expect(jsonInt(c["downloads"]) == 3)
        #expect(jsonInt(c["retries"]) == 3)
        #expect(jsonDouble(c["rescan_interval_s"]) == 5)
        #expect(jsonDouble(c["wait_for_video_limit_s"]) == 21_600)
        #expect(c["allow_private_network"] as? Bool == false)
        #expect(c["name_conflict"] as? String == "suffix")
        #expect(c["yt_dlp_path"] as? String == "yt-dlp")
        #expect(c["subtitle_languages"] is NSNull)
        #expect(jsonDouble(c["metrics_interval_s"]) == 5)
        #expect(c["log_level"] as? String == "info")
    }

    @Test("precedence: flags > SPOOL_* environment > file > defaults, in `spool config` and in what serve runs with")
    func precedence() async throws {
        let binary = try Paths.spoolBinary()
        let base = try Paths.makeTempDir("spool-op-config")
        defer { try? FileManager.default.removeItem(at: base) }
        let file = base.appendingPathComponent("spool.json")
        try Data(
            #"{"downloads": 4, "retries": 5, "rescan_interval_s": 2, "name_conflict": "fail", "subtitle_languages": ["fr"]}"#
                .utf8
        ).write(to: file)
        let env = [
            "SPOOL_DOWNLOADS": "6", "SPOOL_RETRIES": "7", "SPOOL_ALLOW_PRIVATE_NETWORK": "yes",
            "SPOOL_SUBTITLE_LANGUAGES": "en, de", "SPOOL_CONFIG": file.path,
        ]
        let c = try config(binary, ["--downloads", "8"], env: env)
        #expect(jsonInt(c["downloads"]) == 8, "flag beats env and file")
        #expect(jsonInt(c["retries"]) == 7, "env beats file")
        #expect(c["allow_private_network"] as? Bool == true, "env beats default")
        #expect(c["subtitle_languages"] as? [String] == ["en", "de"], "env list")
        #expect(jsonDouble(c["rescan_interval_s"]) == 2, "file beats default (file from SPOOL_CONFIG)")
        #expect(c["name_conflict"] as? String == "fail")
        #expect(jsonInt(c["encodes"]) == 0, "default")

        // The table names where each value came from.
        let table = try runWithEnvironment(
            binary, ["config", "--downloads", "8"], environment: cleanEnvironment.merging(env) { _, n in n })
        let rows = table.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        func from(_ key: String) -> String? {
            rows.first { $0.first.map(String.init) == key }.map { $0.dropFirst(2).joined(separator: " ") }
        }
        #expect(from("downloads") == "flag --downloads", "\(table.stdout)")
        #expect(from("retries") == "env SPOOL_RETRIES")
        #expect(from("rescan_interval_s") == "file \(file.path)")
        #expect(from("encodes") == "default")

        // `spool serve` runs with the same values: its first log line (key=value) says so.
        let log = base.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let child = try ChildProcess(
            executable: binary.path,
            arguments: ["serve", "--root", base.appendingPathComponent("root").path, "--downloads", "8"],
            environment: cleanEnvironment.merging(env) { _, n in n }, cwd: base.path, logPath: log.path)
        defer {
            if child.isRunning {
                child.signal(SIGKILL)
                child.waitBlocking()
            }
        }
        let line = try await waitFor("the configuration log line", timeout: 15) { () -> String? in
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").first { $0.contains("msg=configuration") }.map(String.init)
        }
        #expect(line.contains("level=info"), "\(line)")
        #expect(
            line.contains(" downloads=8") && line.contains(" retries=7") && line.contains(" rescan_interval_s=2"),
            "\(line)")
        #expect(line.hasPrefix("ts="), "logfmt: \(line)")
        // SIGTERM only once the service is up: sent right after the first log line, it can arrive before the
        // handler is installed (exit 143 instead of 0; seen on two busy cores).
        _ = try await waitFor("serve to be ready", timeout: 15) { () -> Bool? in
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("inbox watch started") ? true : nil
        }
        child.signal(SIGTERM)
        _ = try await waitFor("serve to stop", timeout: 10) { child.isRunning ? nil : true }
        #expect(child.exitStatus == 0)
    }

    @Test(
        "an unknown key or a bad value stops start-up (exit 78) with a message naming it",
        arguments: [
            (#"{"downlods": 5}"#, [:], ["unknown configuration key", "downlods"]),
            (#"{"downloads": 0}"#, [:], ["downloads must be at least 1", "spool.json"]),
            (#"{"rescan_interval_s": "fast"}"#, [:], ["rescan_interval_s must be a number", "\"fast\""]),
            (#"{"name_conflict": "replace"}"#, [:], ["name_conflict must be one of suffix, overwrite, fail"]),
            (#"{"log_level": "loud"}"#, [:], ["log_level must be one of", "loud"]),
            ("{}", ["SPOOL_DOWNLOADS": "many"], ["downloads must be a whole number", "SPOOL_DOWNLOADS"]),
            (
                "{}", ["SPOOL_ALLOW_PRIVATE_NETWORK": "maybe"],
                ["allow_private_network must be true or false", "SPOOL_ALLOW_PRIVATE_NETWORK"]
            ),
            (#"{"downloads": 2"#, [:], ["is not valid JSON"]),
        ] as [(String, [String: String], [String])])
    func badConfiguration(file: String, env: [String: String], expected: [String]) throws {
        let binary = try Paths.spoolBinary()
        let base = try Paths.makeTempDir("spool-op-badconfig")
        defer { try? FileManager.default.removeItem(at: base) }
        let config = base.appendingPathComponent("spool.json")
        try Data(file.utf8).write(to: config)
        let root = base.appendingPathComponent("root")
        let result = try runWithEnvironment(
            binary, ["serve", "--root", root.path, "--config", config.path],
            environment: cleanEnvironment.merging(env) { _, n in n }, timeout: 20)
        #expect(result.status == 78, "exit \(result.status): \(result.output)")
        for text in expected { #expect(result.stderr.contains(text), "stderr lacks \(text): \(result.stderr)") }
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("state").path), "started anyway")
    }

    @Test(
        "config/README.md documents every key (default, variable, comment); config/spool.json lists every key at its default"
    )
    func documented() throws {
        let binary = try Paths.spoolBinary()
        let keys = try runWithEnvironment(binary, ["config", "--keys"], environment: cleanEnvironment)
        #expect(keys.status == 0)
        let names = keys.stdout.split(separator: "\n").dropFirst().compactMap {
            $0.split(separator: " ").first.map(String.init)
        }
        #expect(names.count >= 20, "\(keys.stdout)")
        let readme = try String(
            contentsOf: Paths.packageRoot.appendingPathComponent("config/README.md"), encoding: .utf8)
        let shipped = try #require(
            readJSON(Paths.packageRoot.appendingPathComponent("config/spool.json")), "config/spool.json")
        let defaults = try config(binary, [])
        for name in names {
            let row = readme.split(separator: "\n").first { $0.hasPrefix("| `\(name)` |") }
            #expect(row?.contains("`SPOOL_\(name.uppercased())`") == true, "README row for \(name)")
            #expect(
                (row?.split(separator: "|").last?.trimmingCharacters(in: .whitespaces).count ?? 0) > 10,
                "README comment for \(name)")
            #expect(shipped.keys.contains(name), "config/spool.json lacks \(name)")
        }
        #expect(Set(shipped.keys) == Set(names), "config/spool.json keys \(shipped.keys.sorted())")
        // The shipped file is valid and holds the defaults.
        let loaded = try config(
            binary, ["--config", Paths.packageRoot.appendingPathComponent("config/spool.json").path])
        for (key, value) in defaults {
            #expect("\(loaded[key] ?? "absent")" == "\(value)", "config/spool.json \(key)")
        }
    }

    @Test(
        "config/spool.service passes systemd-analyze verify and carries the hardening",
        .needs(hasSystemdAnalyze, "systemd-analyze is not installed on this machine (Debian package systemd)"))
    func systemdUnit() throws {
        try requireMachine(hasSystemdAnalyze, "systemd-analyze is not installed (scripts/ensure-deps.sh installs it)")
        let unit = try String(
            contentsOf: Paths.packageRoot.appendingPathComponent("config/spool.service"), encoding: .utf8)
        for line in [
            "User=spool", "ProtectSystem=strict", "ReadWritePaths=/srv/spool", "NoNewPrivileges=yes",
            "PrivateTmp=yes", "ExecStart=/usr/local/bin/spool serve", "RestartPreventExitStatus=78",
        ] {
            #expect(unit.split(separator: "\n").contains { $0 == line }, "unit lacks \(line)")
        }
        // verify checks that ExecStart exists: point it at the binary under test.
        let base = try Paths.makeTempDir("spool-op-unit")
        defer { try? FileManager.default.removeItem(at: base) }
        let copy = base.appendingPathComponent("spool.service")
        try Data(
            unit.replacingOccurrences(
                of: "ExecStart=/usr/local/bin/spool", with: "ExecStart=\(try Paths.spoolBinary().path)"
            )
            .utf8
        ).write(to: copy)
        let result = try runCommand(
            URL(fileURLWithPath: "/usr/bin/systemd-analyze"), ["verify", copy.path], timeout: 60)
        #expect(result.status == 0, "\(result.output)")
        let complaints = result.output.split(separator: "\n").filter {
            $0.contains("spool.service") && ($0.contains("Unknown") || $0.contains("Failed") || $0.contains("ignoring"))
        }
        #expect(complaints.isEmpty, "\(complaints)")
    }
}

/// The systemd unit test needs `systemd-analyze` (Debian package systemd, installed by scripts/ensure-deps.sh).
private let hasSystemdAnalyze = FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")
