import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 12: three `spool serve` processes on one root and one PostgreSQL database, separate `work`
/// directories, `lease_s` 5. Every job completes once, a burst of drops makes one batch per file, and the
/// job of a node killed with -9 completes on another node within `lease_s` + 15 s.
@Suite("End to end: three nodes on one root and one PostgreSQL", .serialized, .timeLimit(.minutes(12)))
struct ThreeNodeEndToEndTests {
    @Test(
        "3 batches × 20 throttled jobs on three nodes: each Completed once, one output each, no (2) copies, two nodes or more ran them, status files equal the database",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func sixtyJobs() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let lab = try await sharedLab()
        let cluster = try SpoolCluster("three-sixty", nodes: 3, server: try PostgresServer.shared())
        try cluster.startAll()
        var ids: [String] = []
        for b in 1...3 {
            let jobs = try (1...20).map { j in (try throttled(lab, seconds: 1, tag: "b\(b)j\(j)"), "b\(b)-\(j)") }
            try cluster.spool.drop("b\(b).json", batchJSON(folder: "three/b\(b)", jobs: jobs))
        }
        var batches: [String] = []
        for b in 1...3 {
            let receipt = try await cluster.spool.acceptedReceipt("b\(b)", timeout: 60)
            batches.append(receipt.batchID)
            ids += receipt.jobIDs
        }
        #expect(ids.count == 60)
        _ = try await cluster.waitUntil("60 jobs Completed in the database", timeout: 400, interval: 1) {
            () throws -> Bool? in
            try cluster.sql("SELECT count(*) FROM job WHERE status = 'Completed'") == "60" ? true : nil
        }
        for id in batches {
            _ = try await cluster.waitUntil("batch \(id) finished", timeout: 60) { () -> Bool? in
                cluster.spool.batch(id)?["status"] as? String == "completed" ? true : nil
            }
        }
        try await cluster.stopAll()

        #expect(try cluster.sql("SELECT count(*) FROM job") == "60", "no job was added or lost")
        // Once: no attempt beyond the first, one output per job, none renamed for a clash with itself.
        #expect(try cluster.sql("SELECT max(attempt) FROM job") == "1")
        for b in 1...3 {
            let files = cluster.outputs("three/b\(b)")
            #expect(files == (1...20).map { "b\(b)-\($0).mp4" }.sorted(), "\(files)")
            #expect(!files.contains { $0.contains(" (") }, "\(files)")
        }
        let nodes = Set(try cluster.jobRows(ids).values.map(\.node))
        #expect(nodes.count >= 2 && nodes.isSubset(of: Set(cluster.names)), "ran on \(nodes)")
        try cluster.expectStatusFilesMatchDatabase(ids)
    }

    @Test(
        "60 batch files dropped in one burst while three nodes scan: 60 receipts, 60 batches, never two for one file",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func burstOfSixty() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let lab = try await sharedLab()
        let cluster = try SpoolCluster("three-burst", nodes: 3, server: try PostgresServer.shared())
        try cluster.startAll()
        // Every node up (registered) before the burst, so all three scan it.
        _ = try await cluster.waitUntil("three nodes up", timeout: 60) { () throws -> Bool? in
            // Before the first node has migrated the database there is no node table yet.
            (try? cluster.sql("SELECT count(*) FROM node WHERE state = 'up'")) == "3" ? true : nil
        }
        // Written aside first, then renamed in one after the other: a burst.
        let staging = cluster.spool.base.appendingPathComponent("burst")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        for i in 1...60 {
            try Data(batchJSON(jobs: [(lab.url("status/404/burst\(i).mp4"), "f\(i)")]).utf8)
                .write(to: staging.appendingPathComponent("f\(i).json"))
        }
        for i in 1...60 {
            #expect(
                rename(
                    staging.appendingPathComponent("f\(i).json").path,
                    cluster.spool.inbox.appendingPathComponent("f\(i).json").path) == 0)
        }
        var batchIDs: [String] = []
        for i in 1...60 { batchIDs.append(try await cluster.spool.acceptedReceipt("f\(i)", timeout: 120).batchID) }
        #expect(Set(batchIDs).count == 60, "one batch per file")
        #expect(try cluster.sql("SELECT count(*) FROM batch") == "60", "never two batches for one file")
        #expect(try cluster.sql("SELECT count(DISTINCT claim_name) FROM batch") == "60")
        #expect(listDir(cluster.spool.dir("archive")).filter { $0.hasSuffix(".json") }.count == 60)
        _ = try await cluster.waitUntil("the inbox and the claim directories empty", timeout: 60) { () -> Bool? in
            let left = listFilesRecursively(cluster.spool.inbox).filter { $0.hasSuffix(".json") }
            return left.isEmpty ? true : nil
        }
        try await cluster.stopAll()
    }

    @Test(
        "kill -9 of the node running a slow download: the job completes on another node within lease_s + 15 s, once",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func killedNodeRescued() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let lab = try await sharedLab()
        let cluster = try SpoolCluster("three-kill", nodes: 3, server: try PostgresServer.shared())
        try cluster.startAll()
        try cluster.spool.drop(
            "k.json", batchJSON(folder: "kill", jobs: [(try throttled(lab, seconds: 4, tag: "kill"), "rescued")]))
        let receipt = try await cluster.spool.acceptedReceipt("k", timeout: 60)
        let id = receipt.jobIDs[0]
        let holder = try await cluster.waitUntil("the job running on a node", timeout: 60) { () throws -> String? in
            let row = try cluster.jobRows([id])[id]
            return row?.status == "Processing" && !(row?.node ?? "").isEmpty ? row?.node : nil
        }
        try await Task.sleep(for: .seconds(1))
        cluster.kill9(holder)
        let killedAt = Date()
        let others = cluster.names.filter { $0 != holder }
        let finisher = try await cluster.waitUntil(
            "the job Completed on another node", timeout: Double(cluster.leaseSeconds) + 15, alive: others
        ) { () throws -> String? in
            let row = try cluster.jobRows([id])[id]
            return row?.status == "Completed" ? row?.node : nil
        }
        let took = Date().timeIntervalSince(killedAt)
        #expect(finisher != holder && others.contains(finisher), "completed by \(finisher), killed \(holder)")
        #expect(took <= Double(cluster.leaseSeconds) + 15, "took \(took) s")
        _ = try await cluster.finishedBatch(receipt.batchID)
        try await cluster.stopAll()
        #expect(cluster.outputs("kill") == ["rescued.mp4"], "\(cluster.outputs("kill"))")
        #expect(
            try cluster.sql("SELECT attempt FROM job WHERE id = '\(id)'") == "1", "the killed attempt is not counted")
        try cluster.expectStatusFilesMatchDatabase([id])
    }
}

extension SpoolCluster {
    /// Waits for `batches/<id>.json` to say `completed` or `finished`.
    func finishedBatch(_ id: String, timeout: Double = 60) async throws -> [String: Any] {
        try await waitUntil("batch \(id) finished", timeout: timeout, alive: []) { () -> [String: Any]? in
            guard let batch = spool.batch(id), let status = batch["status"] as? String,
                status == "completed" || status == "finished"
            else { return nil }
            return batch
        }
    }
}
