// Helpers of the operator suites (submit --wait, doctor, configuration, metrics and status, the sample
// inbox and demo; one file each): commands with a given environment, a pseudo-terminal, the Prometheus
// text format. Drives the built binary only (see Support/).

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - Helpers shared by the operator suites

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
