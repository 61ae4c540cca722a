import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 12's faults on three nodes (one root, one PostgreSQL, `lease_s` 5): a node paused past its lease
/// is fenced (its late writes change nothing, it publishes nothing, its tools stop within 2 s of waking);
/// PostgreSQL stopped for 10 s loses nothing and completes every job once; a cancel handled by one node
/// stops the tools of the node running the job within 2 s; a retry file is handled once.
@Suite("End to end: three nodes, faults", .serialized, .timeLimit(.minutes(12)))
struct ThreeNodeFaultsEndToEndTests {
    @Test(
        "SIGSTOP a node mid-job past its lease, then SIGCONT: its tools are gone within 2 s, it publishes nothing, the job Completed once by another node",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func pausedNodeFenced() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let lab = try await sharedLab()
        let cluster = try SpoolCluster("three-stop", nodes: 3, server: try PostgresServer.shared())
        try cluster.startAll()
        try cluster.spool.drop(
            "s.json", batchJSON(folder: "stop", jobs: [(try throttled(lab, seconds: 20, tag: "stop"), "fenced")]))
        let receipt = try await cluster.spool.acceptedReceipt("s", timeout: 60)
        let id = receipt.jobIDs[0]
        let paused = try await cluster.waitUntil("the job running on a node", timeout: 60) { () throws -> String? in
            let row = try cluster.jobRows([id])[id]
            return row?.status == "Processing" && !(row?.node ?? "").isEmpty ? row?.node : nil
        }
        let scratch = cluster.work(paused).appendingPathComponent(id)
        _ = try await cluster.waitUntil("the paused node's tool running in the job's work directory", timeout: 30) {
            cluster.processes(workingIn: scratch).isEmpty ? nil : true
        }
        cluster.signal(paused, SIGSTOP)
        let others = cluster.names.filter { $0 != paused }
        // Rescued once the lease expired (the database's clock), then claimed by another node.
        let rescuer = try await cluster.waitUntil(
            "another node running the job", timeout: Double(cluster.leaseSeconds) + 20, alive: others
        ) { () throws -> String? in
            let row = try cluster.jobRows([id])[id]
            return row?.status == "Processing" && others.contains(row?.node ?? "") ? row?.node : nil
        }
        // The paused node's download went on without it (its tools were not stopped): still there now.
        #expect(!cluster.processes(workingIn: scratch).isEmpty, "the paused node's tool ended before the wake-up")
        cluster.signal(paused, SIGCONT)
        let woke = Date()
        _ = try await cluster.waitUntil("the woken node's tools gone", timeout: 5, interval: 0.1) { () -> Bool? in
            cluster.processes(workingIn: scratch).isEmpty ? true : nil
        }
        #expect(
            Date().timeIntervalSince(woke) <= 2, "its tools stopped \(Date().timeIntervalSince(woke)) s after waking")
        _ = try await cluster.waitUntil("its scratch removed", timeout: 10) { () -> Bool? in
            FileManager.default.fileExists(atPath: scratch.path) ? nil : true
        }
        // Its late writes changed nothing: the row is still the rescuer's.
        #expect(try cluster.jobRows([id])[id]?.node == rescuer)
        _ = try await cluster.waitUntil("the job Completed", timeout: 90) { () throws -> Bool? in
            try cluster.jobRows([id])[id]?.status == "Completed" ? true : nil
        }
        _ = try await cluster.finishedBatch(receipt.batchID)
        try await cluster.stopAll()
        #expect(try cluster.jobRows([id])[id]?.node == rescuer)
        #expect(cluster.outputs("stop") == ["fenced.mp4"], "the paused node published: \(cluster.outputs("stop"))")
        try cluster.expectStatusFilesMatchDatabase([id])
    }

    @Test(
        "PostgreSQL stopped for 10 s mid-run, then started: every job Completed exactly once, a file dropped meanwhile accepted, nothing lost",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func databaseOutage() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let lab = try await sharedLab()
        let server = try PostgresServer.dedicated()
        defer { server.stop() }
        let cluster = try SpoolCluster("three-outage", nodes: 3, server: server)
        try cluster.startAll()
        let jobs = try (1...12).map { (try throttled(lab, seconds: 3, tag: "o\($0)"), "o\($0)") }
        try cluster.spool.drop("o.json", batchJSON(folder: "outage", jobs: jobs))
        let first = try await cluster.spool.acceptedReceipt("o", timeout: 60)
        _ = try await cluster.waitUntil("jobs running", timeout: 60) { () throws -> Bool? in
            (Int(try cluster.sql("SELECT count(*) FROM job WHERE status = 'Processing'")) ?? 0) >= 2 ? true : nil
        }
        try server.halt()
        try await Task.sleep(for: .seconds(4))
        try cluster.spool.drop("late.json", batchJSON(folder: "outage", jobs: [(lab.url("clipB.mp4"), "late")]))
        try await Task.sleep(for: .seconds(6))
        try cluster.requireRunning()
        try server.resume()
        let late = try await cluster.spool.acceptedReceipt("late", timeout: 90)
        let ids = first.jobIDs + late.jobIDs
        _ = try await cluster.waitUntil("13 jobs Completed", timeout: 300, interval: 1) { () throws -> Bool? in
            try cluster.sql("SELECT count(*) FROM job WHERE status = 'Completed'") == "13" ? true : nil
        }
        _ = try await cluster.finishedBatch(first.batchID)
        _ = try await cluster.finishedBatch(late.batchID)
        try await cluster.stopAll()
        #expect(try cluster.sql("SELECT count(*) FROM job") == "13")
        #expect(cluster.outputs("outage") == ((1...12).map { "o\($0).mp4" } + ["late.mp4"]).sorted())
        #expect(!cluster.logs().contains(PostgresServer.rolePassword), "the password is in a log")
        try cluster.expectStatusFilesMatchDatabase(ids)
    }

    @Test(
        "a cancel sent to one node stops the job running on another within 2 s; a retry file seen by three nodes is handled once",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func cancelAndRetryAcrossNodes() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let lab = try await sharedLab()
        let cluster = try SpoolCluster("three-control", nodes: 3, server: try PostgresServer.shared())
        var ports: [String: Int] = [:]
        for node in cluster.names {
            ports[node] = try freePort()
            try cluster.start(node, environment: ["SPOOL_HTTP_LISTEN": "127.0.0.1:\(ports[node]!)"])
        }
        try cluster.spool.drop(
            "c.json",
            batchJSON(folder: "control", jobs: [(try throttled(lab, seconds: 30, tag: "cancel"), "cancelled")]))
        let receipt = try await cluster.spool.acceptedReceipt("c", timeout: 60)
        let id = receipt.jobIDs[0]
        let runner = try await cluster.waitUntil("the job running on a node", timeout: 60) { () throws -> String? in
            let row = try cluster.jobRows([id])[id]
            return row?.status == "Processing" && !(row?.node ?? "").isEmpty ? row?.node : nil
        }
        let scratch = cluster.work(runner).appendingPathComponent(id)
        _ = try await cluster.waitUntil("its tool running", timeout: 30) {
            cluster.processes(workingIn: scratch).isEmpty ? nil : true
        }
        let other = try #require(cluster.names.first { $0 != runner })
        let client = SpoolHTTPClient(base: "http://127.0.0.1:\(ports[other]!)")
        var listening = false
        for _ in 0..<120 where !listening {
            listening = (try? await client.get("/healthz"))?.status == 200
            if !listening { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(listening, "node \(other)'s HTTP listener never answered")
        let cancelled = try await client.request("DELETE", "/jobs/\(id)")
        let sent = Date()
        #expect(cancelled.status / 100 == 2, "\(cancelled.status) \(cancelled.text)")
        _ = try await cluster.waitUntil("the running node's tools gone", timeout: 5, interval: 0.1) { () -> Bool? in
            cluster.processes(workingIn: scratch).isEmpty ? true : nil
        }
        #expect(
            Date().timeIntervalSince(sent) <= 2, "tools stopped \(Date().timeIntervalSince(sent)) s after the cancel")
        // A cancelled job ends Failed at step Cancelled (folder-contract §5), in the database and in its file.
        _ = try await cluster.waitUntil("the job cancelled, its file too", timeout: 30) { () throws -> Bool? in
            let file = cluster.spool.job(id)
            let state = try cluster.sql("SELECT status || '/' || step FROM job WHERE id = '\(id)'")
            let shown = "\(file?["status"] ?? "")/\(file?["step"] ?? "")"
            return state == "Failed/Cancelled" && shown == state ? true : nil
        }
        #expect(cluster.outputs("control").isEmpty)

        // A Failed job (HTTP 500, no retries), then one retry file that all three nodes see.
        try cluster.spool.drop("f.json", batchJSON(jobs: [(lab.url("status/500/fails.mp4"), "fails")]))
        let failed = try await cluster.spool.acceptedReceipt("f", timeout: 60).jobIDs[0]
        _ = try await cluster.waitUntil("the job Failed", timeout: 60) { () throws -> Bool? in
            try cluster.jobRows([failed])[failed]?.status == "Failed" ? true : nil
        }
        try FileManager.default.createDirectory(at: cluster.spool.dir("retry"), withIntermediateDirectories: true)
        try Data().write(to: cluster.spool.dir("retry").appendingPathComponent(failed))
        _ = try await cluster.waitUntil("the retry file handled", timeout: 30) { () -> Bool? in
            listFilesRecursively(cluster.spool.dir("retry")).isEmpty ? true : nil
        }
        // Every node has had several scans since: still one retry job.
        try await Task.sleep(for: .seconds(3))
        #expect(try cluster.sql("SELECT count(*) FROM job WHERE original_job_id = '\(failed)'") == "1")
        try await cluster.stopAll()
    }
}
