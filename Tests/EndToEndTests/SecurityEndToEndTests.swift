import Foundation
import Testing

@Suite("End to end: SSRF guard, symlinks in out/, API keys", .serialized, .timeLimit(.minutes(2)))
struct SecurityEndToEndTests {
    @Test("by default a URL on loopback is refused at validation, with the field named")
    func loopbackRefusedByDefault() async throws {
        let lab = try await sharedLab()
        let config = """
            {"rescan_interval_s": 0.5, "retries": 0}
            """
        let spool = try SpoolRoot("ssrf", config: config)
        try spool.start(allowPrivateNetwork: false)
        let hostname = lab.url("clipA.mp4").replacingOccurrences(of: "127.0.0.1", with: "localhost")
        try spool.drop("ssrf.json", batchJSON(jobs: [(lab.url("clipA.mp4"), nil), (hostname, nil)]))
        let receipt = try await spool.receipt("ssrf")
        let errors = try #require(receipt["errors"] as? [[String: Any]], "\(receipt)")
        let fields = Set(errors.compactMap { $0["field"] as? String })
        #expect(fields == ["jobs[0].url", "jobs[1].url"], "\(errors)")
        #expect(listDir(spool.dir("batches")).isEmpty)
        #expect(listDir(spool.dir("rejected")) == ["ssrf.json"])
        try await spool.stop()

        // `spool validate` applies the same rule without resolving names: the literal address is refused.
        let file = spool.base.appendingPathComponent("literal.json")
        try Data(batchJSON(jobs: [(lab.url("clipA.mp4"), nil)]).utf8).write(to: file)
        let refused = try runCommand(spool.binary, ["validate", file.path])
        #expect(refused.status != 0)
        #expect(refused.stdout.contains("jobs[0].url"), "\(refused.output)")
        let allowed = try runCommand(spool.binary, ["validate", "--allow-private-network", file.path])
        #expect(allowed.status == 0, "\(allowed.output)")
    }

    @Test("a symlink planted in out/ is not followed: the job fails and nothing is written through it")
    func symlinkInOut() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("symlink")
        try spool.start()
        _ = try await spool.receiptless()
        let target = try Paths.makeTempDir("spool-e2e-symlink-target")
        defer { try? FileManager.default.removeItem(at: target) }
        try FileManager.default.createSymbolicLink(
            atPath: spool.dir("out").appendingPathComponent("evil").path, withDestinationPath: target.path)
        try spool.drop("s.json", batchJSON(folder: "evil/sub", jobs: [(lab.url("clipA.mp4"), nil)]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("s")
        _ = try await spool.finishedBatch(batchID)
        let job = try #require(spool.job(jobIDs[0]))
        #expect(job["status"] as? String == "Failed", "\(job)")
        #expect(listFilesRecursively(target).isEmpty, "written through the symlink: \(listFilesRecursively(target))")
        try await spool.stop()
    }

    @Test("with api_keys configured, a batch needs a valid api_key, and the key is never written anywhere")
    func apiKeys() async throws {
        let lab = try await sharedLab()
        let secret = "k3y-\(UUID().uuidString)"
        let config = """
            {"rescan_interval_s": 0.5, "retries": 0, "allow_private_network": true, "api_keys": ["\(secret)"]}
            """
        let spool = try SpoolRoot("apikeys", config: config)
        try spool.start()
        let url = lab.url("status/404/x.mp4")
        try spool.drop("none.json", batchJSON(jobs: [(url, nil)]))
        try spool.drop("wrong.json", batchJSON(options: [("api_key", "\"wrong-\(secret)\"")], jobs: [(url, nil)]))
        try spool.drop("right.json", batchJSON(options: [("api_key", "\"\(secret)\"")], jobs: [(url, nil)]))
        for stem in ["none", "wrong"] {
            let r = try await spool.receipt(stem)
            let fields = (r["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(fields == ["api_key"], "\(stem): \(r)")
        }
        let (batchID, _) = try await spool.acceptedReceipt("right")
        _ = try await spool.finishedBatch(batchID)
        try await spool.stop()
        // The key appears in no file spool wrote (archive and rejected copies are re-serialised without it).
        for relative in listFilesRecursively(spool.root) {
            let data = try Data(contentsOf: spool.root.appendingPathComponent(relative))
            #expect(data.range(of: Data(secret.utf8)) == nil, "\(relative) contains the API key")
        }
        let log = try Data(contentsOf: spool.log)
        #expect(log.range(of: Data(secret.utf8)) == nil, "the log contains the API key")
    }
}

extension SpoolRoot {
    /// Waits until the service has laid out its root (it creates out/ at start-up).
    func receiptless() async throws -> Bool {
        try await waitFor("the root layout", timeout: 10, on: self) {
            FileManager.default.fileExists(atPath: self.dir("out").path) ? true : nil
        }
    }
}
