// Operator experience (issue 6): submit --wait through a pseudo-terminal and without one,
// doctor, configuration precedence and errors, metrics.prom, status tables, the sample inbox,
// the systemd unit and `spool demo`. Drives the built binary only (see Support/).

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - Helpers of this file

/// Runs a command with exactly `environment` (PATH from the harness unless given).
func runWithEnvironment(
    _ executable: URL, _ arguments: [String], environment: [String: String], timeout: Double = 60
) throws -> CommandResult {
    try runCommand(executable, arguments, timeout: timeout, environment: environment)
}

/// The harness environment without any SPOOL_* variable (so the host's settings cannot leak in).
var cleanEnvironment: [String: String] {
    Paths.childEnvironment.filter { !$0.key.hasPrefix("SPOOL_") || $0.key == "SPOOL_BIN" }
}

/// Runs `spool ARGS` under a pseudo-terminal (Python's pty module), 140×40, TERM=xterm-256color.
/// Returns the exit status and every byte the program wrote to the terminal.
func runUnderPTY(_ binary: URL, _ arguments: [String], timeout: Double = 90) throws -> (status: Int32, screen: String) {
    let dir = try Paths.makeTempDir("spool-op-pty")
    defer { try? FileManager.default.removeItem(at: dir) }
    let script = dir.appendingPathComponent("pty_run.py")
    let capture = dir.appendingPathComponent("screen.bin")
    try Data(
        #"""
        import fcntl, os, pty, struct, sys, termios
        out_path, argv = sys.argv[1], sys.argv[2:]
        pid, fd = pty.fork()
        if pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
            os.environ["TERM"] = "xterm-256color"
            os.environ.pop("NO_COLOR", None)
            os.execv(argv[0], argv)
        with open(out_path, "wb") as out:
            while True:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                out.write(data)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
        """#.utf8
    ).write(to: script)
    let result = try runCommand(
        try Paths.which("python3"), [script.path, capture.path, binary.path] + arguments, timeout: timeout)
    let screen = String(decoding: (try? Data(contentsOf: capture)) ?? Data(), as: UTF8.self)
    return (result.status, screen)
}

/// Every integer percentage shown on lines that mention `label`, in order.
func percentages(of label: String, in text: String) -> [Int] {
    var found: [Int] = []
    for line in text.components(separatedBy: CharacterSet(charactersIn: "\n\r")) where line.contains(label) {
        guard let match = line.range(of: #"\d{1,3}%"#, options: .regularExpression) else { continue }
        if let n = Int(line[match].dropLast()) { found.append(n) }
    }
    return found
}

/// A Prometheus text-format (0.0.4) parser strict enough to catch malformed output.
struct PromSample: Equatable {
    var name: String
    var labels: [String: String]
    var value: Double
}

func parsePrometheus(_ text: String) throws -> (samples: [PromSample], types: [String: String]) {
    var types: [String: String] = [:]
    var samples: [PromSample] = []
    let name = #"[a-zA-Z_:][a-zA-Z0-9_:]*"#
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let n = index + 1
        if line.isEmpty { continue }
        if line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 3)
            guard parts.count >= 3, parts[1] == "HELP" || parts[1] == "TYPE" else { continue }
            guard String(parts[2]).range(of: "^\(name)$", options: .regularExpression) != nil else {
                throw E2EError("line \(n): bad metric name in \(line)")
            }
            if parts[1] == "TYPE" {
                let type = parts.count == 4 ? String(parts[3]) : ""
                guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(type) else {
                    throw E2EError("line \(n): bad TYPE \(line)")
                }
                guard types[String(parts[2])] == nil else { throw E2EError("line \(n): second TYPE for \(parts[2])") }
                types[String(parts[2])] = type
            }
            continue
        }
        let pattern = "^(\(name))(\\{[^}]*\\})? ([^ ]+)( -?[0-9]+)?$"
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let m = regex.firstMatch(in: String(line), range: NSRange(line.startIndex..., in: line))
        else { throw E2EError("line \(n): not a sample: \(line)") }
        let s = String(line) as NSString
        let metric = s.substring(with: m.range(at: 1))
        var labels: [String: String] = [:]
        if m.range(at: 2).location != NSNotFound {
            let body = String(s.substring(with: m.range(at: 2)).dropFirst().dropLast())
            let labelRegex = try NSRegularExpression(pattern: #"([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?"#)
            var consumed = 0
            for lm in labelRegex.matches(in: body, range: NSRange(body.startIndex..., in: body)) {
                guard lm.range.location == consumed else { throw E2EError("line \(n): bad labels in \(line)") }
                consumed = lm.range.location + lm.range.length
                labels[(body as NSString).substring(with: lm.range(at: 1))] = (body as NSString).substring(
                    with: lm.range(at: 2))
            }
            guard consumed == (body as NSString).length else { throw E2EError("line \(n): bad labels in \(line)") }
        }
        let raw = s.substring(with: m.range(at: 3))
        let value: Double
        switch raw {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let v = Double(raw) else { throw E2EError("line \(n): bad value \(raw)") }
            value = v
        }
        let family = ["_bucket", "_sum", "_count", "_total"].reduce(metric) { current, suffix in
            types[current] == nil && current.hasSuffix(suffix) && types[String(current.dropLast(suffix.count))] != nil
                ? String(current.dropLast(suffix.count)) : current
        }
        guard types[family] != nil else { throw E2EError("line \(n): sample \(metric) before its TYPE") }
        samples.append(PromSample(name: metric, labels: labels, value: value))
    }
    return (samples, types)
}

func promValue(_ samples: [PromSample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
    samples.first { sample in sample.name == name && labels.allSatisfy { k, v in sample.labels[k] == v } }?.value
}

/// Counts of `status` over every jobs/*.json of a root.
func statusFileCounts(_ spool: SpoolRoot) -> [String: Int] {
    var counts: [String: Int] = [:]
    for name in listDir(spool.dir("jobs")) where name.hasSuffix(".json") && !name.hasPrefix(".") {
        if let status = readJSON(spool.dir("jobs").appendingPathComponent(name))?["status"] as? String {
            counts[status, default: 0] += 1
        }
    }
    return counts
}

// MARK: - submit --wait

@Suite("Operator: spool submit --wait", .serialized, .timeLimit(.minutes(3)))
struct SubmitWaitTests {
    @Test("through a pseudo-terminal: bars redrawn in place advance to 100 %, colour, exit 0 when all complete")
    func underPTY() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("op-pty")
        try spool.start()
        let file = spool.base.appendingPathComponent("watched.json")
        let text = batchJSON(
            folder: "op/pty",
            jobs: [(lab.url("slow/70000/clipA.mp4"), "first clip"), (lab.url("slow/90000/clipB.mp4"), "second clip")])
        try Data(text.utf8).write(to: file)

        let began = Date()
        let (status, screen) = try runUnderPTY(
            spool.binary, ["submit", file.path, "--root", spool.root.path, "--allow-private-network", "--wait"])
        let took = Date().timeIntervalSince(began)
        #expect(status == 0, "exit \(status); screen:\n\(screen)\n\(spool.diagnostics())")

        // Redrawn in place: cursor up + erase below, cursor hidden then shown again.
        #expect(screen.contains("\u{1B}[?25l") && screen.contains("\u{1B}[?25h"), "cursor not hidden/shown")
        #expect(screen.range(of: "\u{1B}\\[[0-9]+A", options: .regularExpression) != nil, "no cursor-up redraw")
        #expect(screen.contains("\u{1B}[32m"), "no colour (green) on a colour terminal")
        #expect(screen.contains("█") && screen.contains("░"), "no bars")
        // Bars advance: for each job, shown percentages never go down, pass through the middle and end at 100.
        for label in ["first clip", "second clip"] {
            let shown = percentages(of: label, in: screen)
            #expect(shown.last == 100, "\(label): \(shown)")
            #expect(shown == shown.sorted(), "\(label) went backwards: \(shown)")
            #expect(shown.contains { $0 > 0 && $0 < 100 }, "\(label) never shown mid-way: \(shown)")
        }
        #expect(screen.contains("2/2 done"), "summary line")
        #expect(screen.contains("done: all 2 jobs completed"))
        #expect(screen.contains("out/op/pty/first clip.mp4"), "output path shown")
        // Two throttled downloads of ~3-4 s each; the rest is slack for two busy cores.
        #expect(took < 120, "submit --wait took \(took) s")
        // The jobs really completed.
        let receipt = try await spool.acceptedReceipt("watched")
        for id in receipt.jobIDs { #expect(spool.job(id)?["status"] as? String == "Completed") }
        if ProcessInfo.processInfo.environment["SPOOL_SCREEN_CAPTURE"] == "1" {
            try Data(screen.utf8).write(to: URL(fileURLWithPath: "/tmp/spool-submit-wait.screen"))
        }
        try await spool.stop()
    }

    @Test("without a terminal: one plain line per change, percentages advance, exit 1 when a job does not complete")
    func plainLines() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("op-plain")
        try spool.start()
        let file = spool.base.appendingPathComponent("plain.json")
        try Data(
            batchJSON(
                folder: "op/plain",
                jobs: [(lab.url("slow/70000/clipB.mp4"), "slow one"), (lab.url("status/404/gone.mp4"), "gone one")]
            ).utf8
        ).write(to: file)
        let result = try runCommand(
            spool.binary, ["submit", file.path, "--root", spool.root.path, "--allow-private-network", "--wait"],
            timeout: 90)
        #expect(result.status == 1, "exit \(result.status): \(result.output)\n\(spool.diagnostics())")
        #expect(!result.stdout.contains("\u{1B}"), "escape sequences in plain output")
        #expect(result.stdout.contains("plain.json: accepted as batch "))
        let shown = percentages(of: "slow one", in: result.stdout)
        #expect(shown.count >= 2 && shown == shown.sorted() && shown.last == 100, "slow one: \(shown)")
        #expect(shown.contains { $0 > 0 && $0 < 100 }, "never mid-way: \(shown)")
        // One line per change: no two consecutive identical lines.
        let lines = result.stdout.split(separator: "\n")
        #expect(zip(lines, lines.dropFirst()).allSatisfy { $0 != $1 }, "repeated lines:\n\(result.stdout)")
        #expect(lines.contains { $0.contains("gone one: Warning: ") }, "no Warning line:\n\(result.stdout)")
        #expect(result.stdout.contains("done: 1 of 2 jobs completed"))
        try await spool.stop()
    }

    @Test("exit 2 on rejection: locally invalid (not placed) and rejected by the service (receipt errors printed)")
    func rejections() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("op-reject")
        // The service wants an API key; `submit` does not know the keys, so the service rejects.
        try Data(
            #"{"rescan_interval_s": 0.5, "retries": 0, "allow_private_network": true, "api_keys": ["k-op-123"]}"#.utf8
        ).write(to: spool.config)
        try spool.start()

        let invalid = spool.base.appendingPathComponent("invalid.json")
        try Data(#"{"jobs": [{"url": "ftp://example.com/a.mp4"}], "audio_onyl": true}"#.utf8).write(to: invalid)
        let local = try runCommand(
            spool.binary, ["submit", invalid.path, "--root", spool.root.path, "--wait"], timeout: 30)
        #expect(local.status == 2, "exit \(local.status): \(local.output)")
        #expect(local.stdout.contains("audio_onyl") && local.stdout.contains("jobs[0].url"), "\(local.output)")
        #expect(!listDir(spool.inbox).contains("invalid.json"))

        let keyless = spool.base.appendingPathComponent("keyless.json")
        try Data(batchJSON(jobs: [(lab.url("clipA.mp4"), nil)]).utf8).write(to: keyless)
        let remote = try runCommand(
            spool.binary, ["submit", keyless.path, "--root", spool.root.path, "--allow-private-network", "--wait"],
            timeout: 30)
        #expect(remote.status == 2, "exit \(remote.status): \(remote.output)\n\(spool.diagnostics())")
        #expect(remote.stdout.contains("keyless.json: rejected:"), "\(remote.output)")
        #expect(remote.stdout.contains("api_key: api_key is required"), "\(remote.output)")
        #expect(!remote.stdout.contains("k-op-123"))
        let receipt = try await spool.receipt("keyless")
        #expect(receipt["error"] != nil)
        try await spool.stop()
    }
}

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

// MARK: - metrics and status

@Suite("Operator: metrics.prom and status", .serialized, .timeLimit(.minutes(3)))
struct MetricsStatusTests {
    @Test("metrics.prom parses as Prometheus text and its counters match the status files; status tables")
    func metricsMatchStatusFiles() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("op-metrics")
        try Data(
            #"{"rescan_interval_s": 0.5, "retries": 0, "allow_private_network": true, "metrics_interval_s": 0.5}"#.utf8
        ).write(to: spool.config)
        try spool.start()
        try spool.drop(
            "m1.json",
            batchJSON(
                folder: "op/metrics",
                jobs: [(lab.url("clipA.mp4"), nil), (lab.url("clipB.mp4"), nil), (lab.url("status/404/x.mp4"), nil)]))
        try spool.drop("bad.json", #"{"jobs": []}"#)
        let r = try await spool.acceptedReceipt("m1")
        _ = try await spool.receipt("bad")
        let batch = try await spool.finishedBatch(r.batchID)
        let counts = statusFileCounts(spool)
        #expect(counts == ["Completed": 2, "Warning": 1], "\(counts)")

        let metricsFile = spool.url("metrics.prom")
        // Poll: the writer runs every 0.5 s; wait until it has seen the end of the batch.
        let (samples, types) = try await waitFor("metrics.prom to show the finished batch", timeout: 15, on: spool) {
            () -> ([PromSample], [String: String])? in
            guard let text = try? String(contentsOf: metricsFile, encoding: .utf8) else { return nil }
            let parsed = try parsePrometheus(text)
            return promValue(parsed.samples, "spool_jobs_ended_total", ["status": "Warning"]) == 1
                && promValue(parsed.samples, "spool_jobs_ended_total", ["status": "Completed"]) == 2
                && promValue(parsed.samples, "spool_jobs", ["status": "Completed"]) == 2 ? parsed : nil
        }
        #expect(types["spool_jobs"] == "gauge")
        #expect(types["spool_receipt_latency_seconds"] == "histogram")
        for status in allStatuses {
            #expect(
                promValue(samples, "spool_jobs", ["status": status]) == Double(counts[status] ?? 0),
                "spool_jobs \(status)")
        }
        for status in ["Completed", "Failed", "Warning", "Skipped"] {
            #expect(
                promValue(samples, "spool_jobs_ended_total", ["status": status]) == Double(counts[status] ?? 0),
                "spool_jobs_ended_total \(status)")
        }
        let batchCounts = try #require(batch["counts"] as? [String: Any])
        #expect(jsonInt(batchCounts["Completed"]) == 2)
        #expect(promValue(samples, "spool_batch_files_total", ["outcome": "accepted"]) == 1)
        #expect(promValue(samples, "spool_batch_files_total", ["outcome": "rejected"]) == 1)
        #expect(promValue(samples, "spool_receipt_latency_seconds_count") == 2)
        #expect(promValue(samples, "spool_receipt_latency_seconds_bucket", ["le": "+Inf"]) == 2)
        let buckets = samples.filter { $0.name == "spool_receipt_latency_seconds_bucket" }.map(\.value)
        #expect(buckets == buckets.sorted() && buckets.count > 5, "cumulative buckets \(buckets)")
        #expect(promValue(samples, "spool_queue_depth") == 0)
        #expect(promValue(samples, "spool_retries_total") == 0)
        #expect((promValue(samples, "spool_downloaded_bytes_total") ?? -1) >= 0)
        #expect(promValue(samples, "spool_running_tools", ["tool": "yt-dlp"]) != nil)
        // Atomic: never a temporary file left beside it.
        #expect(listDir(spool.root).filter { $0.contains("metrics") } == ["metrics.prom"], "\(listDir(spool.root))")

        // Logs are key=value lines.
        let log = try String(contentsOf: spool.log, encoding: .utf8)
        #expect(log.contains("level=info msg=\"batch accepted\""), "log format")

        // status: batch table, job table, --json, --recent.
        let table = try runCommand(spool.binary, ["status", r.batchID, "--root", spool.root.path])
        #expect(table.status == 0, "\(table.output)")
        #expect(
            table.stdout.contains("JOB") && table.stdout.contains("STATUS") && table.stdout.contains("OUTPUT / ERROR"))
        for id in r.jobIDs { #expect(table.stdout.contains(id)) }
        #expect(table.stdout.contains("out/op/metrics/clipA.mp4"))
        #expect(table.stdout.contains("Warning: "))
        #expect(table.stdout.contains("counts    Completed 2"), "\(table.stdout)")
        let job = try runCommand(spool.binary, ["status", r.jobIDs[0], "--root", spool.root.path])
        #expect(
            job.stdout.contains("status    Completed") && job.stdout.contains("output    out/op/metrics/clipA.mp4"),
            "\(job.stdout)")
        let json = try runCommand(spool.binary, ["status", r.jobIDs[2], "--root", spool.root.path, "--json"])
        let fromJSON = (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [String: Any]
        #expect(fromJSON?["status"] as? String == "Warning")
        let recent = try runCommand(spool.binary, ["status", "--recent", "--root", spool.root.path])
        #expect(
            recent.stdout.contains(r.batchID) && recent.stdout.contains("m1.json") && recent.stdout.contains("3/3"),
            "\(recent.stdout)")

        try await spool.stop()
        // The last exposition, written at shutdown, still parses.
        let final = try parsePrometheus(try String(contentsOf: metricsFile, encoding: .utf8))
        #expect(promValue(final.samples, "spool_jobs", ["status": "Completed"]) == 2)
    }
}

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
