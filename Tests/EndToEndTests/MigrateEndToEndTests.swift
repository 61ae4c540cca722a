import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `spool migrate`: a real root (1,000+ jobs in every state the service leaves behind) copied into a
/// real PostgreSQL server, then every row compared with the SQLite row it came from.
@Suite(
    "End to end: spool migrate into PostgreSQL", .serialized, .timeLimit(.minutes(6)))
struct MigrateEndToEndTests {
    /// SQLite's column names and PostgreSQL's, in the same (canonical) order.
    static let batchColumns = [
        ("id", "id"), ("source", "source"), ("claimName", "claim_name"), ("idempotencyKey", "idempotency_key"),
        ("folder", "folder"), ("createdAt", "created_at"), ("finishedAt", "finished_at"),
    ]
    static let jobColumns = [
        ("id", "id"), ("batchId", "batch_id"), ("position", "position"), ("url", "url"), ("filename", "filename"),
        ("folder", "folder"), ("options", "options"), ("status", "status"), ("step", "step"), ("attempt", "attempt"),
        ("downloadRetries", "download_retries"), ("createdAt", "created_at"), ("startedAt", "started_at"),
        ("finishedAt", "finished_at"), ("nextRetryAt", "next_retry_at"), ("queueWaitMs", "queue_wait_ms"),
        ("error", "error"), ("errorType", "error_type"), ("result", "result"), ("progress", "progress"),
        ("originalJobId", "original_job_id"), ("node", "node"),
    ]
    /// `progress` is a boolean in PostgreSQL, 0/1 in SQLite: read as an integer there.
    static let webhookColumns = [
        ("jobId", "job_id"), ("url", "url"), ("progress", "progress::integer"), ("state", "state"),
        ("attempts", "attempts"), ("nextAttemptAt", "next_attempt_at"), ("lastProgressAt", "last_progress_at"),
        ("lastError", "last_error"),
    ]

    @Test(
        "1,000+ jobs in mixed states and webhooks: copied, every row equal; a second migrate and a wrong password refused",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func migrateRoot() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let server = try PostgresServer.shared()
        let spool = try await makeRootWithMixedJobs()

        let database = try server.makeDatabase()
        let first = try runCommand(
            spool.binary, ["migrate", "--root", spool.root.path, "--to", server.tcpURL(database)])
        #expect(first.status == 0, "\(first.output)")
        #expect(!first.output.contains(PostgresServer.rolePassword))
        #expect(first.stdout.contains("postgres://spool:***@127.0.0.1:\(server.port)/\(database)"), "\(first.stdout)")

        // Every row, every column: SQLite (read with Python's sqlite3) against PostgreSQL (read with psql).
        let sqliteBatches = try sqliteRows(spool, table: "batch", columns: Self.batchColumns.map(\.0))
        let sqliteJobs = try sqliteRows(spool, table: "job", columns: Self.jobColumns.map(\.0))
        let pgBatches = try postgresRows(server, database, table: "batch", columns: Self.batchColumns.map(\.1))
        let pgJobs = try postgresRows(server, database, table: "job", columns: Self.jobColumns.map(\.1))
        #expect(sqliteJobs.count >= 1_000)
        #expect(pgBatches.count == sqliteBatches.count && pgJobs.count == sqliteJobs.count)
        #expect(pgBatches == sqliteBatches)
        let differing = sqliteJobs.keys.filter { pgJobs[$0] != sqliteJobs[$0] }
        #expect(
            differing.isEmpty,
            "rows that differ, e.g. \(differing.first.map { "\(sqliteJobs[$0]!) vs \(String(describing: pgJobs[$0]))" } ?? "")"
        )
        // The root really holds every state the test made.
        let statuses = Set(sqliteJobs.values.compactMap { $0[7] })
        #expect(statuses == ["Completed", "Warning", "Failed", "Pending"], "\(statuses)")
        #expect(sqliteJobs.values.contains { $0[20] != nil })  // retries, with original_job_id
        // The node that ran a job (`node`), copied with the rest; none on a job that never ran.
        #expect(sqliteJobs.values.contains { $0[7] == "Completed" && $0[21] == "mig-node" })
        #expect(sqliteJobs.values.filter { $0[7] == "Pending" }.allSatisfy { $0[21] == nil })
        #expect(sqliteBatches.values.contains { $0[3] != nil })  // idempotency keys
        #expect(first.stdout.contains("jobs     \(sqliteJobs.count)"), "\(first.stdout)")

        // Webhook deliveries (POST /jobs with webhook_url): delivered, failed and pending, every column equal.
        let sqliteHooks = try sqliteRows(spool, table: "webhook", columns: Self.webhookColumns.map(\.0))
        let pgHooks = try postgresRows(server, database, table: "webhook", columns: Self.webhookColumns.map(\.1))
        #expect(sqliteHooks.count == 4 && pgHooks == sqliteHooks, "\(sqliteHooks) vs \(pgHooks)")
        #expect(Set(sqliteHooks.values.compactMap { $0[3] }) == ["delivered", "failed", "pending"], "\(sqliteHooks)")
        #expect(sqliteHooks.values.contains { $0[2] == "1" && $0[3] == "pending" })
        #expect(sqliteHooks.values.contains { $0[3] == "failed" && $0[4] == "3" && $0[7] != nil })
        #expect(first.stdout.contains("webhooks \(sqliteHooks.count)"), "\(first.stdout)")

        try await expectServedFromPostgresUnchanged(spool, url: server.tcpURL(database))

        let second = try runCommand(
            spool.binary, ["migrate", "--root", spool.root.path, "--to", server.tcpURL(database)])
        #expect(second.status != 0)
        #expect(
            second.stderr.contains("is not empty (\(sqliteBatches.count) batches, \(sqliteJobs.count) jobs)"),
            "\(second.output)")
        #expect(!second.output.contains(PostgresServer.rolePassword))
        #expect(try postgresRows(server, database, table: "job", columns: ["id"]).count == sqliteJobs.count)

        let other = try server.makeDatabase()
        let wrong = "wrong-\(UInt32.random(in: 100_000...999_999))"
        let refused = try runCommand(
            spool.binary, ["migrate", "--root", spool.root.path, "--to", server.tcpURL(other, password: wrong)])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("password authentication failed"), "\(refused.output)")
        #expect(refused.stderr.contains("postgres://spool:***@"), "\(refused.output)")
        #expect(!refused.output.contains(wrong) && !refused.output.contains(PostgresServer.rolePassword))
    }

    /// A root left by a real service run: Completed (2 real downloads), Warning and Failed (a yt-dlp that
    /// reports a private video or an HTTP 500), retries of those, cancelled batches, and hundreds of Pending
    /// jobs (a yt-dlp that never ends holds the slots; SIGTERM puts the running ones back); and four jobs
    /// posted with webhooks whose deliveries ended delivered, failed, or are still pending.
    private func makeRootWithMixedJobs() async throws -> SpoolRoot {
        let lab = try await sharedLab()
        let stubDir = try Paths.makeTempDir("spool-e2e-migrate-stub")
        let stub = stubDir.appendingPathComponent("yt-dlp")
        let real = try Paths.which("yt-dlp").path
        try Data(
            """
            #!/bin/sh
            for last in "$@"; do :; done
            case "$last" in
              */warn/*) echo "ERROR: [generic] This video is private" >&2; exit 1 ;;
              */fail/*) echo "ERROR: HTTP Error 500: Internal Server Error" >&2; exit 1 ;;
              */hang/*) exec sleep 100000 ;;
              *) exec "\(real)" "$@" ;;
            esac

            """.utf8
        ).write(to: stub)
        chmod(stub.path, 0o755)
        let config = """
            {"rescan_interval_s": 0.5, "incomplete_grace_s": 2, "retries": 0, "downloads": 4,
             "allow_private_network": true, "yt_dlp_path": "\(stub.path)", "http_listen": "127.0.0.1:0",
             "retry_base_delay_s": 0.2}
            """
        let spool = try SpoolRoot("migrate", config: config)
        spool.environment = ["SPOOL_NODE_NAME": "mig-node"]
        try spool.start()

        var mixed: [(url: String, filename: String?)] = [(lab.url("clipA.mp4"), "a"), (lab.url("clipB.mp4"), "b")]
        mixed += (0..<49).map { (lab.url("warn/\($0)"), nil) }
        mixed += (0..<49).map { (lab.url("fail/\($0)"), "f\($0)") }
        try spool.drop(
            "mixed.json", batchJSON(folder: "mixed", options: [("idempotency_key", "\"mixed-1\"")], jobs: mixed))
        let (mixedID, _) = try await spool.acceptedReceipt("mixed")
        _ = try await spool.finishedBatch(mixedID, timeout: 180)
        _ = FileManager.default.createFile(
            atPath: spool.dir("retry").appendingPathComponent(mixedID).path, contents: nil)
        _ = try await waitFor("the retries to finish", timeout: 180, interval: 0.5, on: spool) { () -> Bool? in
            guard let batch = spool.batch(mixedID), jsonInt(batch["total_jobs"]) == 198 else { return nil }
            return batch["status"] as? String == "finished" ? true : nil
        }

        // Webhook deliveries: delivered, delivered for a failed job, failed after its 3 attempts (a receiver
        // answering 503), and pending with progress events (its job hangs until the service stops).
        let receiver = try WebhookReceiver()
        let http = try await SpoolHTTPClient.connect(to: spool)
        func post(_ media: String, hook: String, progress: Bool) async throws -> String {
            let answer = try await http.post(
                "/jobs",
                #"{"url": "\#(media)", "webhook_url": "\#(receiver.url(hook))", "enable_progress_webhook": \#(progress)}"#
            )
            guard answer.status == 201, let id = answer.json?["job_id"] as? String else {
                throw E2EError("POST /jobs answered \(answer.status): \(answer.text)")
            }
            return id
        }
        let hooked = [
            try await post(lab.url("clipA.mp4"), hook: "ok/completed", progress: false),
            try await post(lab.url("fail/hooked"), hook: "ok/failed-job", progress: false),
            try await post(lab.url("clipB.mp4"), hook: "flaky/9/refused", progress: false),
        ]
        for id in hooked {
            _ = try await waitFor("job \(id)'s webhook to end", timeout: 120, interval: 0.5, on: spool) { () -> Bool? in
                ["delivered", "failed"].contains(spool.job(id)?["webhook_status"] as? String) ? true : nil
            }
        }
        _ = try await post(lab.url("hang/progress"), hook: "ok/progress", progress: true)
        _ = try await waitFor("a progress event", timeout: 60, interval: 0.5, on: spool) { () -> Bool? in
            receiver.requests(to: "ok/progress").isEmpty ? nil : true
        }

        var hanging: [String] = []
        for index in 0..<9 {
            let jobs = (0..<100).map { (url: lab.url("hang/\(index)/\($0)"), filename: String?.none) }
            let options = index % 3 == 0 ? [("idempotency_key", "\"hang-\(index)\"")] : []
            try spool.drop("hang\(index).json", batchJSON(folder: "hang/\(index)", options: options, jobs: jobs))
        }
        for index in 0..<9 { hanging.append(try await spool.acceptedReceipt("hang\(index)").batchID) }
        for id in hanging.prefix(2) {
            _ = FileManager.default.createFile(
                atPath: spool.dir("cancel").appendingPathComponent(id).path, contents: nil)
        }
        for id in hanging.prefix(2) { _ = try await spool.finishedBatch(id, timeout: 60) }
        _ = try await spool.stop()
        return spool
    }

    /// The migrated root served from PostgreSQL: its status files deleted, then rebuilt from the database's rows,
    /// equal to the ones the SQLite service wrote. With one download slot, one Pending job may start (and go back
    /// to Pending at the stop): only that job's file and its batch's may differ.
    private func expectServedFromPostgresUnchanged(_ spool: SpoolRoot, url: String) async throws {
        let before = try spool.statusFiles()
        #expect(before.count > 1_000, "\(before.count) status files")
        for name in before.keys { try FileManager.default.removeItem(at: spool.url(name)) }
        var config = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: spool.config)) as? [String: Any])
        config["downloads"] = 1
        try JSONSerialization.data(withJSONObject: config).write(to: spool.config)
        spool.environment["SPOOL_DATABASE"] = url
        try spool.start()
        _ = try await waitFor("the status files rebuilt from PostgreSQL", timeout: 120, interval: 0.5, on: spool) {
            () throws -> Bool? in
            try spool.requireRunning()
            return try spool.statusFiles().count >= before.count ? true : nil
        }
        try await spool.stop(timeout: 20)
        let after = try spool.statusFiles()
        #expect(Set(after.keys) == Set(before.keys), "files added or lost")
        let differing = before.keys.filter { after[$0] != before[$0] }.sorted()
        func text(_ data: Data?) -> String { String(decoding: data ?? Data(), as: UTF8.self) }
        let jobs = differing.filter { $0.hasPrefix("jobs/") }
        #expect(
            jobs.count <= 1 && differing.count <= 2,
            "status files that differ: \(differing.prefix(5)); the first was\n\(text(before[differing.first ?? ""]))\nand is\n\(text(after[differing.first ?? ""]))"
        )
        for name in jobs {
            let was = try JSONSerialization.jsonObject(with: before[name] ?? Data()) as? [String: Any]
            #expect(was?["status"] as? String == "Pending", "\(name) was not a Pending job that started")
        }
    }

    /// SQLite rows by ID, each column as text (integers in decimal) or nil, read with Python's sqlite3.
    private func sqliteRows(_ spool: SpoolRoot, table: String, columns: [String]) throws -> [String: [String?]] {
        let script = """
            import json, sqlite3, sys
            db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
            rows = db.execute("SELECT " + ", ".join(sys.argv[3:]) + " FROM " + sys.argv[2]).fetchall()
            print(json.dumps([[None if v is None else str(v) for v in row] for row in rows]))
            """
        let result = try runCommand(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", "-c", script, spool.dir("state").appendingPathComponent("spool.sqlite").path, table] + columns)
        guard result.status == 0 else { throw E2EError("reading SQLite failed: \(result.output)") }
        return try byID(result.stdout)
    }

    /// PostgreSQL rows by ID, each column as text or nil, read with psql (json_agg of text casts).
    private func postgresRows(
        _ server: PostgresServer, _ database: String, table: String, columns: [String]
    ) throws -> [String: [String?]] {
        let cells = columns.map { "\($0)::text" }.joined(separator: ", ")
        let text = try server.psql(
            database, "SELECT COALESCE(json_agg(json_build_array(\(cells))), '[]') FROM \(table)")
        return try byID(text)
    }

    private func byID(_ json: String) throws -> [String: [String?]] {
        guard let rows = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[Any]] else {
            throw E2EError("not a JSON array of rows: \(json.prefix(200))")
        }
        var result: [String: [String?]] = [:]
        for row in rows {
            let values = row.map { $0 as? String }
            guard let id = values.first ?? nil else { throw E2EError("a row without an ID") }
            result[id] = values
        }
        return result
    }
}
