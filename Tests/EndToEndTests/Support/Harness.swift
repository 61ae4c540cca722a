// End-to-end harness: drives the built `spool` binary only through its command line
// and the folder contract (docs/folder-contract.md). Foundation + Testing only, no project modules.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Errors

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Paths

enum Paths {
    /// This file, with symlinks resolved (the tests may be built through a symlinked copy).
    static let thisFile: URL = {
        let raw = #filePath
        if let resolved = realpath(raw, nil) {
            defer { free(resolved) }
            return URL(fileURLWithPath: String(cString: resolved))
        }
        return URL(fileURLWithPath: raw)
    }()

    /// `<package root>/Tests/EndToEndTests/Support/Harness.swift` → `<package root>`.
    static let packageRoot: URL = {
        if let env = ProcessInfo.processInfo.environment["SPOOL_PACKAGE_ROOT"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return thisFile.deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // EndToEndTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
    }()

    static let labserver: URL = thisFile.deletingLastPathComponent().appendingPathComponent("labserver.py")

    static let sampleInbox: URL = packageRoot.appendingPathComponent("sample-inbox")

    /// `$SPOOL_BIN`, else `<package root>/.build/debug/spool`.
    static func spoolBinary() throws -> URL {
        if let env = ProcessInfo.processInfo.environment["SPOOL_BIN"], !env.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: env) else {
                throw E2EError("SPOOL_BIN=\(env) is not an executable file")
            }
            return URL(fileURLWithPath: env)
        }
        let fallback = packageRoot.appendingPathComponent(".build/debug/spool")
        guard FileManager.default.isExecutableFile(atPath: fallback.path) else {
            throw E2EError("spool binary not found: set SPOOL_BIN or run `swift build` (looked at \(fallback.path))")
        }
        return fallback
    }

    /// PATH for children: the project's `.venv/bin` first when it exists (yt-dlp), then the inherited PATH.
    static let childPATH: String = {
        let inherited = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let venvBin = packageRoot.appendingPathComponent(".venv/bin").path
        if FileManager.default.fileExists(atPath: venvBin + "/yt-dlp") {
            return venvBin + ":" + inherited
        }
        return inherited
    }()

    static func which(_ name: String) throws -> URL {
        for dir in childPATH.split(separator: ":") where !dir.isEmpty {
            let candidate = String(dir) + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return URL(fileURLWithPath: candidate)
            }
        }
        throw E2EError("\(name) not found in PATH (\(childPATH)); run scripts/ensure-deps.sh")
    }

    /// The environment of every child (services, CLI commands, tools): this process's environment without any
    /// `SPOOL_*` variable, so a host setting such as SPOOL_DOWNLOADS cannot change what is tested; PATH as above.
    /// A test that wants a variable passes it explicitly.
    static var childEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SPOOL_") }
        env["PATH"] = childPATH
        // The test-side switch for scripts/test.sh's second pass: the services run with the fork server off.
        if let forkServer = ProcessInfo.processInfo.environment["SPOOL_E2E_YTDLP_FORK_SERVER"] {
            env["SPOOL_YTDLP_FORK_SERVER"] = forkServer
        }
        // A failing run to look into: the services' log level (e.g. `debug` shows which service a stop waits on).
        if let level = ProcessInfo.processInfo.environment["SPOOL_E2E_LOG_LEVEL"] { env["SPOOL_LOG_LEVEL"] = level }
        return env
    }

    /// A fresh directory under the system temp dir.
    static func makeTempDir(_ prefix: String) throws -> URL {
        let base = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        return base
    }
}

// MARK: - Running commands

struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
    var output: String { stdout + "\n" + stderr }
}

/// Runs a command to completion; stdout/stderr go through temp files (no pipe deadlocks).
/// `environment` replaces the harness environment (PATH is added when it has none).
func runCommand(
    _ executable: URL, _ arguments: [String], cwd: URL? = nil, timeout: Double = 120,
    environment: [String: String]? = nil
) throws -> CommandResult {
    let dir = try Paths.makeTempDir("spool-e2e-cmd")
    defer { try? FileManager.default.removeItem(at: dir) }
    let outURL = dir.appendingPathComponent("out")
    let errURL = dir.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let outHandle = try FileHandle(forWritingTo: outURL)
    let errHandle = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var env = environment ?? Paths.childEnvironment
    if env["PATH"] == nil { env["PATH"] = Paths.childPATH }
    process.environment = env
    process.currentDirectoryURL = cwd ?? dir
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = outHandle
    process.standardError = errHandle
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline {
        usleep(20_000)
    }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? outHandle.close()
        try? errHandle.close()
        throw E2EError(
            "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) timed out after \(timeout) s")
    }
    process.waitUntilExit()
    try? outHandle.close()
    try? errHandle.close()
    let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    return CommandResult(status: process.terminationStatus, stdout: out, stderr: err)
}

// MARK: - JSON helpers

func readJSON(_ url: URL) -> [String: Any]? {
    guard let data = try? Data(contentsOf: url), !data.isEmpty else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
}

func jsonInt(_ value: Any?) -> Int? {
    if let n = value as? NSNumber { return n.intValue }
    return value as? Int
}

func jsonDouble(_ value: Any?) -> Double? {
    if let n = value as? NSNumber { return n.doubleValue }
    if let s = value as? String { return Double(s) }
    return value as? Double
}

func jsonString(_ value: Any?) -> String? { value as? String }

func jsonStrings(_ value: Any?) -> [String]? { value as? [String] }

/// Lowercase canonical UUID.
func isLowercaseUUID(_ s: String?) -> Bool {
    guard let s else { return false }
    return s.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", options: .regularExpression)
        != nil
}

/// File names (not dot-files' temp leftovers excluded: everything) in a directory, sorted; [] if missing.
func listDir(_ url: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
}

/// All regular files under `url`, as paths relative to it, sorted.
func listFilesRecursively(_ url: URL) -> [String] {
    guard let e = FileManager.default.enumerator(atPath: url.path) else { return [] }
    var result: [String] = []
    while let rel = e.nextObject() as? String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.appendingPathComponent(rel).path, isDirectory: &isDir),
            !isDir.boolValue
        {
            result.append(rel)
        }
    }
    return result.sorted()
}

// MARK: - Polling

/// Polls `body` until it returns non-nil or the deadline passes.
func waitFor<T>(
    _ what: @autoclosure () -> String, timeout: Double, interval: Double = 0.1,
    on spool: SpoolRoot? = nil, _ body: () throws -> T?
) async throws -> T {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if let value = try body() { return value }
        if Date() >= deadline {
            throw E2EError("timed out after \(timeout) s waiting for \(what())\n\(spool?.diagnostics() ?? "")")
        }
        try await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
    }
}

// MARK: - ffprobe

struct Probe {
    let raw: [String: Any]
    var streams: [[String: Any]] { raw["streams"] as? [[String: Any]] ?? [] }
    var format: [String: Any] { raw["format"] as? [String: Any] ?? [:] }
    var formatName: String { format["format_name"] as? String ?? "" }
    var duration: Double? { jsonDouble(format["duration"]) }
    func codec(_ type: String) -> String? {
        streams.first { ($0["codec_type"] as? String) == type }?["codec_name"] as? String
    }
    func streamCount(_ type: String) -> Int {
        streams.filter { ($0["codec_type"] as? String) == type }.count
    }
}

func ffprobe(_ file: URL) throws -> Probe {
    let result = try runCommand(
        try Paths.which("ffprobe"), ["-v", "error", "-show_streams", "-show_format", "-of", "json", file.path],
        timeout: 30)
    guard result.status == 0,
        let obj = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any]
    else {
        throw E2EError("ffprobe failed on \(file.path) (exit \(result.status)): \(result.stderr)")
    }
    return Probe(raw: obj)
}

/// One batch file as JSON text (keys in a fixed order, so byte comparisons mean something).
func batchJSON(folder: String? = nil, options: [(String, String)] = [], jobs: [(url: String, filename: String?)])
    -> String
{
    func q(_ s: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
        let text = String(decoding: data, as: UTF8.self)
        return String(text.dropFirst().dropLast())
    }
    var lines: [String] = []
    if let folder { lines.append("  \"folder\": \(q(folder))") }
    for (key, rawValue) in options { lines.append("  \(q(key)): \(rawValue)") }
    let items = jobs.map { job -> String in
        if let f = job.filename {
            return "    {\"url\": \(q(job.url)), \"filename\": \(q(f))}"
        }
        return "    {\"url\": \(q(job.url))}"
    }
    lines.append("  \"jobs\": [\n" + items.joined(separator: ",\n") + "\n  ]")
    return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
}

/// PIDs of processes whose command line mentions `token` (e.g. the tools spool runs for one URL).
func processes(mentioning token: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> Int32? in
        guard let pid = Int32(entry), let raw = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else {
            return nil
        }
        return String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(token) ? pid : nil
    }
}

/// kill -9 of the service and every tool it runs (found by the root in their command lines), as a crash
/// under systemd kills the unit's whole cgroup: listed and killed until none is left, so that a tool started
/// between a listing and its kill does not outlive the service and meet the next start's tools.
func kill9(_ spool: SpoolRoot) async throws {
    let pids = processes(mentioning: spool.root.path).filter { $0 != getpid() }
    #expect(!pids.isEmpty, "no spool process found")
    _ = try await waitFor("spool and its tools to die after SIGKILL", timeout: 10) { () -> Bool? in
        let left = processes(mentioning: spool.root.path).filter { $0 != getpid() }
        for pid in left { kill(pid, SIGKILL) }
        return left.isEmpty && !spool.isRunning ? true : nil
    }
}
