// Several `spool serve` processes on one root and one PostgreSQL database (issue 12): each node with its
// own name, its own `work` directory and its own log, `lease_s` 5. The root's files are read through a
// `SpoolRoot` that never runs a process itself.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

final class SpoolCluster {
    /// The shared root (drop, receipts, status files); its own process is never started.
    let spool: SpoolRoot
    let server: PostgresServer
    let database: String
    let leaseSeconds = 5
    /// Node names, `n1`, `n2`, …
    let names: [String]
    private var processes: [String: ChildProcess] = [:]
    /// Extra variables for every node (e.g. `SPOOL_HTTP_LISTEN` per node is set by `start(_:environment:)`).
    var environment: [String: String] = [:]

    init(_ name: String, nodes: Int, server: PostgresServer, config: String = e2eConfig) throws {
        spool = try SpoolRoot(name, config: config)
        self.server = server
        database = try server.makeDatabase()
        names = (1...nodes).map { "n\($0)" }
    }

    deinit {
        for process in processes.values where process.isRunning {
            process.signal(SIGCONT)
            process.signal(SIGKILL)
            process.waitBlocking()
        }
    }

    var url: String { server.tcpURL(database) }
    func work(_ node: String) -> URL { spool.base.appendingPathComponent("work-\(node)") }
    func log(_ node: String) -> URL { spool.base.appendingPathComponent("\(node).log") }
    func pid(_ node: String) -> pid_t? { processes[node].flatMap { $0.isRunning ? $0.pid : nil } }
    func isRunning(_ node: String) -> Bool { processes[node]?.isRunning ?? false }

    /// Starts every node.
    func startAll() throws { for node in names { try start(node) } }

    /// Starts `spool serve` for `node` (its log appended to `<node>.log`).
    func start(_ node: String, environment extra: [String: String] = [:]) throws {
        precondition(!isRunning(node), "\(node) already runs")
        let log = log(node)
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let nodeEnvironment = [
            "SPOOL_DATABASE": url, "SPOOL_NODE_NAME": node, "SPOOL_WORK": work(node).path,
            "SPOOL_LEASE_S": "\(leaseSeconds)",
        ]
        processes[node] = try ChildProcess(
            executable: spool.binary.path,
            arguments: ["serve", "--root", spool.root.path, "--config", spool.config.path, "--allow-private-network"],
            environment: Paths.childEnvironment.merging(environment) { $1 }.merging(nodeEnvironment) { $1 }
                .merging(extra) { $1 },
            cwd: spool.base.path, logPath: log.path)
    }

    /// Sends `signal` to the node's spool process (not its tools).
    func signal(_ node: String, _ signal: Int32) { processes[node]?.signal(signal) }

    /// kill -9 of the node's spool process; waits until it is gone.
    func kill9(_ node: String) {
        processes[node]?.signal(SIGKILL)
        processes[node]?.waitBlocking()
    }

    /// SIGTERM to every running node; waits for each (SIGKILL and a failure after `timeout`).
    func stopAll(timeout: Double = 20) async throws {
        for node in names where isRunning(node) { signal(node, SIGTERM) }
        for node in names {
            guard let process = processes[node] else { continue }
            if try await !process.waitUntilExit(timeout: timeout) {
                process.signal(SIGKILL)
                process.waitBlocking()
                throw E2EError("\(node) did not stop within \(timeout) s of SIGTERM\n\(diagnostics())")
            }
        }
    }

    /// Fails fast when a node died that was not meant to.
    func requireRunning(_ nodes: [String]? = nil) throws {
        for node in nodes ?? names where processes[node] != nil && !isRunning(node) {
            throw E2EError("\(node) exited unexpectedly\n\(diagnostics())")
        }
    }

    /// `psql` on the cluster's database, trimmed.
    func sql(_ query: String) throws -> String {
        try server.psql(database, query).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Rows of `query` (unaligned: columns split on `|`).
    func rows(_ query: String) throws -> [[String]] {
        try sql(query).split(separator: "\n").map {
            $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// Waits for `body` with every node checked alive on each look; the nodes' logs on a timeout.
    func waitUntil<T>(
        _ what: String, timeout: Double, interval: Double = 0.25, alive: [String]? = nil, _ body: () throws -> T?
    ) async throws -> T {
        do {
            return try await waitFor(what, timeout: timeout, interval: interval) { () throws -> T? in
                try requireRunning(alive)
                return try body()
            }
        } catch let error as E2EError where !error.description.contains("--- node") {
            throw E2EError("\(error.description)\n\(diagnostics())")
        }
    }

    /// Each node's log tail and the root's tree.
    func diagnostics(lines: Int = 40) -> String {
        var description =
            "--- root \(spool.root.path):\n  "
            + listFilesRecursively(spool.root).filter { !$0.hasPrefix("state/") }.prefix(200).joined(separator: "\n  ")
        for node in names {
            let text = (try? String(contentsOf: log(node), encoding: .utf8)) ?? "(no log)"
            let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines)
            let state = isRunning(node) ? "running" : "not running"
            description += "\n--- node \(node) (\(state)), \(log(node).path):\n" + tail.joined(separator: "\n")
        }
        return description
    }

    /// Every node's log text.
    func logs() -> String {
        names.map { (try? String(contentsOf: log($0), encoding: .utf8)) ?? "" }.joined(separator: "\n")
    }
}

// MARK: - What the tests check on a cluster

extension SpoolCluster {
    /// The database's view of jobs: ID → (status, node).
    func jobRows(_ ids: [String]) throws -> [String: (status: String, node: String)] {
        let list = ids.map { "'\($0)'" }.joined(separator: ",")
        var found: [String: (String, String)] = [:]
        for row in try rows("SELECT id, status, coalesce(node, '') FROM job WHERE id IN (\(list))") where row.count == 3
        {
            found[row[0]] = (row[1], row[2])
        }
        return found
    }

    /// Every output file under `out/<folder>` (relative names).
    func outputs(_ folder: String) -> [String] {
        listFilesRecursively(spool.dir("out/\(folder)")).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Each job's status file says what the database says (status and node), and the file exists.
    func expectStatusFilesMatchDatabase(_ ids: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let rows = try jobRows(ids)
        for id in ids {
            let file = spool.job(id)
            #expect(file != nil, "jobs/\(id).json is missing", sourceLocation: sourceLocation)
            guard let file, let row = rows[id] else { continue }
            #expect(
                file["status"] as? String == row.status,
                "jobs/\(id).json says \(file["status"] ?? "nil"), the database \(row.status)",
                sourceLocation: sourceLocation)
            #expect(
                (file["node"] as? String ?? "") == row.node,
                "jobs/\(id).json node \(file["node"] ?? "nil"), the database \(row.node)",
                sourceLocation: sourceLocation)
        }
    }

    /// PIDs of processes working in `directory` (their cwd is in it): a job's tools run in its work directory.
    func processes(workingIn directory: URL) -> [pid_t] {
        let prefix = directory.resolvingSymlinksInPath().path
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/cwd")
            else { return nil }
            return cwd == prefix || cwd.hasPrefix(prefix + "/") ? pid : nil
        }
    }
}

/// A lab URL whose download lasts about `seconds` (the clip served throttled).
func throttled(_ lab: Lab, _ clip: String = "clipA.mp4", seconds: Double, tag: String) throws -> String {
    let size = try FileManager.default.attributesOfItem(atPath: lab.mediaDir.appendingPathComponent(clip).path)[.size]
    let bytes = (size as? NSNumber)?.intValue ?? 0
    guard bytes > 0 else { throw E2EError("no \(clip) in the lab") }
    // The query keeps each job's URL its own (yt-dlp ignores it; the lab serves the file).
    return lab.url("slow/\(max(1, Int(Double(bytes) / seconds)))/\(clip)?job=\(tag)")
}
