import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Two `spool serve` nodes on one root and one PostgreSQL database (issue 12, "Ingest across nodes", "Cancel and
/// retry across nodes", "Start-up and shutdown in a cluster"): separate `work` directories and node names,
/// `lease_s` 5. Both start; a burst of batch files is ingested once each whichever node sees it; a retry file
/// is handled by one node, once; each node writes `metrics.<node>.prom` with a `node` label; a node's SIGTERM
/// hands its running job to the other, which finishes it.
@Suite("End to end: two nodes on one root", .serialized, .timeLimit(.minutes(6)))
struct ClusterNodesEndToEndTests {
    /// A node of the cluster: its own temp base (log, config, `work`), the shared root through a symlink.
    private func node(_ name: String, sharing first: SpoolRoot?, url: String) throws -> SpoolRoot {
        let node = try SpoolRoot("cluster-\(name)")
        if let first {
            try FileManager.default.createDirectory(at: first.root, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(at: node.root, withDestinationURL: first.root)
        }
        node.environment = [
            "SPOOL_DATABASE": url, "SPOOL_NODE_NAME": name, "SPOOL_LEASE_S": "5",
            "SPOOL_WORK": node.base.appendingPathComponent("work-\(name)").path,
        ]
        return node
    }

    private func psql(_ server: PostgresServer, _ database: String, _ sql: String) throws -> String {
        try server.psql(database, sql).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts `node` and waits until its row is `up` (registered; not refused with exit 78).
    private func startNode(_ node: SpoolRoot, _ name: String, _ server: PostgresServer, _ database: String)
        async throws
    {
        try node.start()
        _ = try await waitFor("node \(name) up", timeout: 60, interval: 0.2, on: node) { () -> Bool? in
            try node.requireRunning()
            // The table appears with the first node's migration.
            return (try? psql(server, database, "SELECT state FROM node WHERE name = '\(name)'")) == "up" ? true : nil
        }
    }

    private func count(_ text: String, _ needle: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test(
        "both nodes start; 20 batch files dropped at once: 20 receipts, 20 batches, never two for a file; a retry file handled once",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func burstAndRetry() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let server = try PostgresServer.shared()
        let database = try server.makeDatabase()
        let url = server.tcpURL(database)
        let lab = try await sharedLab()
        let a = try node("node-a", sharing: nil, url: url)
        let b = try node("node-b", sharing: a, url: url)
        try await startNode(a, "node-a", server, database)
        try await startNode(b, "node-b", server, database)

        // Written aside, then renamed in one after another: both nodes see the burst (inotify and rescans).
        let stems = (0..<20).map { String(format: "burst-%02d", $0) }
        for stem in stems { try a.drop("\(stem).json", batchJSON(jobs: [(lab.url("status/404/\(stem).mp4"), nil)])) }
        var batchIDs: [String] = []
        for stem in stems { batchIDs.append(try await a.acceptedReceipt(stem, timeout: 60).batchID) }
        #expect(Set(batchIDs).count == 20)
        #expect(try psql(server, database, "SELECT count(*) FROM batch") == "20")
        #expect(try psql(server, database, "SELECT count(DISTINCT source) FROM batch") == "20")
        #expect(try psql(server, database, "SELECT count(*) FROM job") == "20")
        let archived = try FileManager.default.contentsOfDirectory(atPath: a.dir("archive").path)
        #expect(archived.filter { !$0.hasPrefix(".") }.count == 20, "\(archived)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: a.dir("rejected").path).isEmpty)
        // A claimed file goes, and its line is logged, once the group's receipts are durable (after they appear).
        _ = try? await waitFor("claim directories emptied", timeout: 20, interval: 0.2) { () -> Bool? in
            let left = ["node-a", "node-b"].flatMap { name in
                (try? FileManager.default.contentsOfDirectory(atPath: a.dir("inbox/.claimed/\(name)").path)) ?? []
            }
            return left.isEmpty && count(logText(a) + logText(b), "batch accepted") >= 20 ? true : nil
        }
        for name in ["node-a", "node-b"] {
            let claimed = a.dir("inbox/.claimed/\(name)").path
            let left = (try? FileManager.default.contentsOfDirectory(atPath: claimed)) ?? []
            #expect(left.isEmpty, "\(name) kept \(left)")
        }
        let byA = count(logText(a), "batch accepted")
        let byB = count(logText(b), "batch accepted")
        #expect(byA + byB == 20, "node-a accepted \(byA), node-b \(byB)")

        // A retry file for a Failed or Warning job (a 404 ends as Warning): one node claims it, one retry job.
        let failed = try #require(try await a.acceptedReceipt(stems[0]).jobIDs.first)
        _ = try await waitFor("job \(failed) Failed or Warning", timeout: 90, interval: 0.2, on: a) { () -> Bool? in
            try b.requireRunning()
            return a.job(failed)?["status"] as? String == "Failed" || a.job(failed)?["status"] as? String == "Warning"
                ? true : nil
        }
        try Data().write(to: a.dir("retry").appendingPathComponent(failed))
        _ = try await waitFor("the retry recorded", timeout: 30, interval: 0.2, on: a) { () -> Bool? in
            try psql(server, database, "SELECT count(*) FROM job WHERE original_job_id = '\(failed)'") != "0"
                && !FileManager.default.fileExists(atPath: a.dir("retry/\(failed)").path) ? true : nil
        }
        // Both nodes rescan every 0.5 s: a second handling would show within a few rescans.
        try await Task.sleep(for: .seconds(3))
        #expect(try psql(server, database, "SELECT count(*) FROM job WHERE original_job_id = '\(failed)'") == "1")
        let handled = count(logText(a), "control file handled") + count(logText(b), "control file handled")
        #expect(handled == 1, "handled \(handled) times")

        // metrics.<node>.prom per node, every sample labelled with its node.
        for name in ["node-a", "node-b"] {
            let text = try await waitFor("metrics.\(name).prom", timeout: 30, interval: 0.2) { () -> String? in
                (try? String(contentsOf: a.dir("metrics.\(name).prom"), encoding: .utf8)).flatMap {
                    $0.contains("spool_jobs{node=\"\(name)\",status=") ? $0 : nil
                }
            }
            let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
            #expect(!samples.isEmpty && samples.allSatisfy { $0.contains("{node=\"\(name)\"") }, "\(text)")
        }
        #expect(!FileManager.default.fileExists(atPath: a.dir("metrics.prom").path))

        try await b.stop()
        try await a.stop()
        #expect(a.exitStatus == 0 && b.exitStatus == 0, "\(a.diagnostics())\n\(b.diagnostics())")
        #expect(
            try psql(server, database, "SELECT string_agg(state, ',' ORDER BY name) FROM node") == "stopped,stopped")
        #expect(!(logText(a) + logText(b)).contains(PostgresServer.rolePassword), "the password is in a log")
    }

    @Test(
        "SIGTERM on the node running a job puts it back to Pending at once; the other node finishes it",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func sigtermHandsJobOver() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let server = try PostgresServer.shared()
        let database = try server.makeDatabase()
        let url = server.tcpURL(database)
        let lab = try await sharedLab()
        let a = try node("node-a", sharing: nil, url: url)
        let b = try node("node-b", sharing: a, url: url)
        // Only node-a runs when the job starts, so it is node-a's.
        try await startNode(a, "node-a", server, database)
        try a.drop("slow.json", batchJSON(jobs: [(lab.url("slow/60000/clipA.mp4"), "handed")]))
        let job = try #require(try await a.acceptedReceipt("slow").jobIDs.first)
        _ = try await waitFor("the job Processing on node-a", timeout: 60, interval: 0.1, on: a) { () -> Bool? in
            try psql(server, database, "SELECT status FROM job WHERE id = '\(job)'") == "Processing" ? true : nil
        }
        try await startNode(b, "node-b", server, database)

        try await a.stop()
        #expect(a.exitStatus == 0, "\(a.diagnostics())")
        #expect(logText(a).contains("msg=\"scheduler stopped\" interrupted=1"), "\(a.diagnostics())")
        // Handed back at SIGTERM (not after the 5 s lease), then taken by node-b.
        #expect(try psql(server, database, "SELECT state FROM node WHERE name = 'node-a'") == "stopped")
        _ = try await waitFor("node-b to finish the job", timeout: 120, interval: 0.2, on: b) { () -> Bool? in
            b.job(job)?["status"] as? String == "Completed" ? true : nil
        }
        #expect(FileManager.default.fileExists(atPath: a.dir("out/handed.mp4").path))
        #expect(count(logText(b), job) > 0, "node-b never mentions \(job)")
        try await b.stop()
    }

    @Test(
        "the database unreachable: inbox files stay (no rejection), one log line, all ingested once it is back",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func databaseOutage() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let server = try PostgresServer.shared()
        let database = try server.makeDatabase()
        let a = try node("node-a", sharing: nil, url: server.tcpURL(database))
        try await startNode(a, "node-a", server, database)

        // This database only (the server is shared): no new connections, the node's ones ended.
        try server.psql("postgres", "ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS false")
        try server.psql(
            "postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)'")
        let lab = try await sharedLab()
        try a.drop("during.json", batchJSON(jobs: [(lab.url("status/404/during.mp4"), nil)]))
        _ = try await waitFor("the outage logged", timeout: 60, interval: 0.2, on: a) { () -> Bool? in
            logText(a).contains("database unreachable") ? true : nil
        }
        try a.drop("later.json", batchJSON(jobs: [(lab.url("status/404/later.mp4"), nil)]))
        try await Task.sleep(for: .seconds(4))
        try a.requireRunning()
        #expect(FileManager.default.fileExists(atPath: a.dir("inbox/later.json").path), "\(a.diagnostics())")
        #expect(!FileManager.default.fileExists(atPath: a.dir("receipts/during.json").path))
        #expect(!FileManager.default.fileExists(atPath: a.dir("receipts/later.json").path))
        let kept =
            try FileManager.default.contentsOfDirectory(atPath: a.dir("inbox").path)
            + ((try? FileManager.default.contentsOfDirectory(atPath: a.dir("inbox/.claimed/node-a").path)) ?? [])
        #expect(kept.contains { $0.hasSuffix("during.json") }, "\(kept)")

        try server.psql("postgres", "ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS true")
        for stem in ["during", "later"] { _ = try await a.acceptedReceipt(stem, timeout: 90) }
        #expect(try psql(server, database, "SELECT count(*) FROM batch") == "2")
        #expect(try FileManager.default.contentsOfDirectory(atPath: a.dir("rejected").path).isEmpty)
        let log = logText(a)
        #expect(count(log, "database unreachable") == 1, "\(a.diagnostics())")
        #expect(log.contains("retry_every_s=1"), "\(a.diagnostics())")
        #expect(log.contains("database reachable again"))
        try await a.stop()
        #expect(a.exitStatus == 0, "\(a.diagnostics())")
    }

    @Test(
        "a node silent for longer than the lease is marked lost; its claimed batch file is adopted and ingested once",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func lostNodeAdopted() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let server = try PostgresServer.shared()
        let database = try server.makeDatabase()
        let lab = try await sharedLab()
        let a = try node("node-a", sharing: nil, url: server.tcpURL(database))
        try await startNode(a, "node-a", server, database)
        // node-z died an hour ago holding a claimed batch file (as its claim left it: `<token>--<name>`).
        try psql(
            server, database,
            "INSERT INTO node (name, state, heartbeat_at) VALUES ('node-z', 'up', now() - interval '1 hour')")
        let dead = a.dir("inbox/.claimed/node-z")
        try FileManager.default.createDirectory(at: dead, withIntermediateDirectories: true)
        try Data(batchJSON(jobs: [(lab.url("status/404/orphan.mp4"), nil)]).utf8).write(
            to: dead.appendingPathComponent("1700000000000-0011223344556677--orphan.json"))

        let receipt = try await a.acceptedReceipt("orphan", timeout: 30)
        #expect(receipt.jobIDs.count == 1)
        #expect(try psql(server, database, "SELECT state FROM node WHERE name = 'node-z'") == "lost")
        #expect(try psql(server, database, "SELECT count(*) FROM batch") == "1")
        _ = try await waitFor("node-z's directory emptied", timeout: 20, interval: 0.2, on: a) { () -> Bool? in
            ((try? FileManager.default.contentsOfDirectory(atPath: dead.path)) ?? []).isEmpty ? true : nil
        }
        // Later rounds find nothing more to adopt: still one batch.
        try await Task.sleep(for: .seconds(4))
        #expect(try psql(server, database, "SELECT count(*) FROM batch") == "1")
        #expect(logText(a).contains("adopting a lost node's claimed batch files"), "\(a.diagnostics())")
        try await a.stop()
        #expect(a.exitStatus == 0, "\(a.diagnostics())")
    }
}
