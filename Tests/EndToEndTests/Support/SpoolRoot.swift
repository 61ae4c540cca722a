// A running spool service on a fresh root: its configuration, start, stop and the files it writes.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - A running spool service on a fresh root

/// The test configuration (the configuration keys; see config/spool.json for the defaults).
let e2eConfig = """
    {
      "rescan_interval_s": 0.5,
      "incomplete_grace_s": 2,
      "retries": 0,
      "retry_base_delay_s": 0.2,
      "allow_private_network": true
    }
    """

final class SpoolRoot {
    /// The per-test temp dir: holds `root/`, `spool.json` (config) and `spool.log`.
    let base: URL
    let root: URL
    let config: URL
    let log: URL
    let binary: URL
    private var process: ChildProcess?
    private(set) var starts = 0
    /// Variables added to the service's environment (e.g. a bucket's AWS_* credentials).
    var environment: [String: String] = [:]

    /// `config`: the configuration file's text (default: `e2eConfig`).
    init(_ name: String, config configText: String = e2eConfig) throws {
        binary = try Paths.spoolBinary()
        base = try Paths.makeTempDir("spool-e2e-\(name)")
        root = base.appendingPathComponent("root")
        config = base.appendingPathComponent("spool.json")
        log = base.appendingPathComponent("spool.log")
        try Data(configText.utf8).write(to: config)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    }

    deinit {
        if let process, process.isRunning {
            process.signal(SIGKILL)
            process.waitBlocking()
        }
        // Keep the root and log for a post-mortem with SPOOL_E2E_KEEP=1.
        if ProcessInfo.processInfo.environment["SPOOL_E2E_KEEP"] != "1" {
            try? FileManager.default.removeItem(at: base)
        }
    }

    func dir(_ name: String) -> URL { root.appendingPathComponent(name) }
    var inbox: URL { dir("inbox") }

    var isRunning: Bool { process?.isRunning ?? false }

    /// Starts `spool serve --root ROOT --config CFG [--allow-private-network]`; `extraEnvironment` is added
    /// to the children's environment (`Paths.childEnvironment`).
    func start(allowPrivateNetwork: Bool = true, extraEnvironment: [String: String] = [:]) throws {
        precondition(!isRunning, "already running")
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        starts += 1
        handle.write(Data("\n===== spool serve (start #\(starts)) \(Date()) =====\n".utf8))
        try handle.close()
        process = try ChildProcess(
            executable: binary.path,
            arguments: ["serve", "--root", root.path, "--config", config.path]
                + (allowPrivateNetwork ? ["--allow-private-network"] : []),
            environment: Paths.childEnvironment.merging(environment) { $1 }.merging(extraEnvironment) { $1 },
            cwd: base.path, logPath: log.path)
    }

    /// Sends SIGTERM and waits up to `timeout` s; returns the seconds it took. SIGKILLs and throws on timeout.
    @discardableResult
    func stop(timeout: Double = 10) async throws -> Double {
        guard let p = process else { return 0 }
        let began = Date()
        p.signal(SIGTERM)
        while p.isRunning && Date().timeIntervalSince(began) < timeout {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let elapsed = Date().timeIntervalSince(began)
        if p.isRunning {
            p.signal(SIGKILL)
            p.waitBlocking()
            throw E2EError("spool did not exit within \(timeout) s of SIGTERM (killed)\n\(diagnostics())")
        }
        lastExitStatus = p.exitStatus
        process = nil
        return elapsed
    }

    /// Fails fast when the service died instead of waiting out a deadline.
    func requireRunning() throws {
        if process != nil && !isRunning {
            throw E2EError("spool exited unexpectedly\n\(diagnostics())")
        }
    }

    private(set) var lastExitStatus: Int32?
    var exitStatus: Int32? { process.flatMap { $0.isRunning ? nil : $0.exitStatus } ?? lastExitStatus }

    /// The log's tail and the root's tree, for failure messages.
    func diagnostics(lines: Int = 60) -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? "(no log)"
        let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
        let tree = listFilesRecursively(root).filter { !$0.hasPrefix("state/") }.joined(separator: "\n  ")
        let alive = isRunning ? "running" : "not running (status \(exitStatus.map(String.init) ?? "?"))"
        return "--- spool \(alive); root \(root.path); files:\n  \(tree)\n--- log tail (\(log.path)):\n\(tail)"
    }

    // MARK: dropping batches

    /// The recommended way (folder-contract §2): write to a dot-name in the inbox, then rename in.
    @discardableResult
    func drop(_ name: String, _ contents: String) throws -> Data {
        let data = Data(contents.utf8)
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let tmp = inbox.appendingPathComponent(".\(name).\(UUID().uuidString.prefix(6))")
        try data.write(to: tmp)
        guard rename(tmp.path, inbox.appendingPathComponent(name).path) == 0 else {
            throw E2EError("rename into inbox failed: errno \(errno)")
        }
        return data
    }

    // MARK: reading the folder contract

    func receipt(_ stem: String, timeout: Double = 30) async throws -> [String: Any] {
        let url = dir("receipts").appendingPathComponent("\(stem).json")
        return try await waitFor("receipts/\(stem).json", timeout: timeout, on: self) {
            if let r = readJSON(url) { return r }
            try self.requireRunning()
            return nil
        }
    }

    /// An accepted receipt: fails (throws) on a rejection.
    func acceptedReceipt(_ stem: String, timeout: Double = 30) async throws -> (batchID: String, jobIDs: [String]) {
        let r = try await receipt(stem, timeout: timeout)
        guard let batchID = r["batch_id"] as? String, let jobIDs = r["job_ids"] as? [String] else {
            throw E2EError("receipt \(stem).json is not an accepted one: \(r)\n\(diagnostics())")
        }
        return (batchID, jobIDs)
    }

    func job(_ id: String) -> [String: Any]? {
        readJSON(dir("jobs").appendingPathComponent("\(id).json"))
    }

    func batch(_ id: String) -> [String: Any]? {
        readJSON(dir("batches").appendingPathComponent("\(id).json"))
    }

    /// Waits for `batches/<id>.json` to say `completed` or `finished`.
    func finishedBatch(_ id: String, timeout: Double = 90) async throws -> [String: Any] {
        try await waitFor("batch \(id) to finish", timeout: timeout, interval: 0.2, on: self) {
            guard let b = batch(id), let s = b["status"] as? String, s == "completed" || s == "finished" else {
                try self.requireRunning()
                return nil
            }
            return b
        }
    }

    func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }
}
