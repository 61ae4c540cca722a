import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `spool serve` with `database` a PostgreSQL URL (issue 12, one node): a root served on SQLite is migrated,
/// its status files are deleted and rebuilt from PostgreSQL byte for byte, new batches complete with their
/// rows in PostgreSQL, the node is `up` while serving and `stopped` after SIGTERM, a second node of the same
/// name on the same database is refused (exit 78), and a restart right after
/// kill -9 takes its dead run's node row back.
@Suite("End to end: spool serve on PostgreSQL", .serialized, .timeLimit(.minutes(6)))
struct ServeOnPostgresEndToEndTests {
    @Test(
        "migrate, then serve from PostgreSQL: status files rebuilt byte for byte; a new batch Completed, its rows in PostgreSQL; node up, then stopped; a second node of the same name refused; a restart after kill -9 not refused",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func serveMigratedRoot() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let server = try PostgresServer.shared()
        let lab = try await sharedLab()
        let spool = try SpoolRoot("serve-pg")
        spool.environment = ["SPOOL_NODE_NAME": "pg-one"]

        // On SQLite: Completed, Warning (HTTP 404) and a second batch, then a graceful stop.
        try spool.start()
        try spool.drop(
            "a.json",
            batchJSON(folder: "pg/a", jobs: [(lab.url("clipA.mp4"), nil), (lab.url("status/404/x.mp4"), nil)]))
        try spool.drop("b.json", batchJSON(jobs: [(lab.url("clipB.mp4"), "b")]))
        for stem in ["a", "b"] { _ = try await spool.finishedBatch(try await spool.acceptedReceipt(stem).batchID) }
        try await spool.stop()
        let before = try spool.statusFiles()
        #expect(before.count == 5, "\(before.keys.sorted())")  // 3 jobs + 2 batches

        let database = try server.makeDatabase()
        let url = server.tcpURL(database)
        let migrated = try runCommand(spool.binary, ["migrate", "--root", spool.root.path, "--to", url])
        #expect(migrated.status == 0, "\(migrated.output)")

        // The files go; serving from PostgreSQL brings them back from its rows, byte for byte.
        for name in before.keys { try FileManager.default.removeItem(at: spool.url(name)) }
        spool.environment["SPOOL_DATABASE"] = url
        try spool.start()
        let rebuilt: [String: Data] = try await waitFor(
            "the status files rebuilt from PostgreSQL", timeout: 60, interval: 0.2, on: spool
        ) { () throws -> [String: Data]? in
            try spool.requireRunning()
            let files = try spool.statusFiles()
            return files.count == before.count ? files : nil
        }
        for (name, data) in before {
            #expect(
                rebuilt[name] == data, "\(name) differs:\n\(String(decoding: rebuilt[name] ?? Data(), as: UTF8.self))")
        }
        #expect(try psql(server, database, "SELECT state FROM node WHERE name = 'pg-one'") == "up")

        // A new batch runs on PostgreSQL: Completed, and the database holds its rows.
        try spool.drop(
            "c.json", batchJSON(folder: "pg/c", jobs: [(lab.url("clipA.mp4"), "c1"), (lab.url("clipB.mp4"), "c2")]))
        let c = try await spool.acceptedReceipt("c")
        let batch = try await spool.finishedBatch(c.batchID)
        #expect(batch["status"] as? String == "completed", "\(batch)")
        #expect(jsonInt((batch["counts"] as? [String: Any])?["Completed"]) == 2, "\(batch)")
        for id in c.jobIDs {
            #expect(spool.job(id)?["status"] as? String == "Completed", "\(spool.job(id) ?? [:])")
            #expect(try psql(server, database, "SELECT status FROM job WHERE id = '\(id)'") == "Completed")
            // The node that ran it, in the status file and the row (PostgresStore's startAttempt stamps it).
            #expect(spool.job(id)?["node"] as? String == "pg-one", "\(spool.job(id) ?? [:])")
            #expect(try psql(server, database, "SELECT node FROM job WHERE id = '\(id)'") == "pg-one")
        }
        #expect(FileManager.default.fileExists(atPath: spool.dir("out/pg/c/c1.mp4").path))
        #expect(try psql(server, database, "SELECT count(*) FROM job") == "5")
        #expect(!logText(spool).contains(PostgresServer.rolePassword), "the password is in the log")
        #expect(logText(spool).contains("postgres://spool:***@"), "\(spool.diagnostics())")

        // A second node of the same name on the same database is refused while this one is up.
        let other = try SpoolRoot("serve-pg-2")
        let refused = try runWithEnvironment(
            other.binary, ["serve", "--root", other.root.path],
            environment: cleanEnvironment.merging(["SPOOL_DATABASE": url, "SPOOL_NODE_NAME": "pg-one"]) { $1 },
            timeout: 60)
        #expect(refused.status == 78, "\(refused.output)")
        #expect(refused.stderr.contains("node_name pg-one is held by a live node"), "\(refused.stderr)")
        #expect(!refused.output.contains(PostgresServer.rolePassword))

        // kill -9, then a restart at once on this host: its dead run's row is taken back, not refused for a lease.
        let pidBefore = try psql(server, database, "SELECT pid FROM node WHERE name = 'pg-one'")
        try await kill9(spool)
        #expect(try psql(server, database, "SELECT state FROM node WHERE name = 'pg-one'") == "up")
        try spool.start()
        _ = try await waitFor("the restarted node registered", timeout: 30, interval: 0.2, on: spool) { () -> Bool? in
            try spool.requireRunning()
            let pid = try psql(server, database, "SELECT pid FROM node WHERE name = 'pg-one'")
            return pid != pidBefore ? true : nil
        }
        try spool.drop("d.json", batchJSON(jobs: [(lab.url("clipB.mp4"), "d")]))
        let d = try await spool.acceptedReceipt("d")
        _ = try await spool.finishedBatch(d.batchID)
        #expect(spool.job(d.jobIDs[0])?["status"] as? String == "Completed", "\(spool.diagnostics())")

        try await spool.stop()
        #expect(try psql(server, database, "SELECT state FROM node WHERE name = 'pg-one'") == "stopped")
    }

    private func psql(_ server: PostgresServer, _ database: String, _ sql: String) throws -> String {
        try server.psql(database, sql).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
