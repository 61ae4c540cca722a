import Foundation
import Testing

/// Issue 12's operator surface on a real PostgreSQL server: `spool nodes` and `spool doctor`'s database
/// checks; and the `database` key's password, which never appears in `spool config` or its errors.
@Suite("End to end: cluster keys, spool nodes, doctor's database checks", .serialized, .timeLimit(.minutes(5)))
struct ClusterEndToEndTests {
    static let secret = "pw-\(UInt32.random(in: 100_000...999_999))-secret"

    @Test("spool config masks the database URL's password, also in a configuration error (exit 78)")
    func configMasksPassword() throws {
        let binary = try Paths.spoolBinary()
        let url = "postgres://spool:\(Self.secret)@127.0.0.1:5999/spooldb?sslmode=disable"
        let env = cleanEnvironment.merging(["SPOOL_DATABASE": url, "SPOOL_NODE_NAME": "n-1"]) { $1 }
        for arguments in [["config", "--json"], ["config"]] {
            let shown = try runWithEnvironment(binary, arguments, environment: env)
            #expect(shown.status == 0, "\(shown.output)")
            #expect(
                shown.stdout.contains("postgres://spool:***@127.0.0.1:5999/spooldb?sslmode=disable"), "\(shown.stdout)")
            #expect(!shown.output.contains(Self.secret), "the password is shown: \(shown.output)")
        }
        let json = try #require(
            try JSONSerialization.jsonObject(
                with: Data(runWithEnvironment(binary, ["config", "--json"], environment: env).stdout.utf8))
                as? [String: Any])
        #expect(json["node_name"] as? String == "n-1" && jsonInt(json["lease_s"]) == 30 && json["work"] is NSNull)

        // A URL that does not parse: the key and the problem, never the text.
        let bad = try runWithEnvironment(
            binary, ["config", "--database", "postgres://spool:\(Self.secret)@127.0.0.1/"],
            environment: cleanEnvironment)
        #expect(bad.status == 78, "\(bad.output)")
        #expect(
            bad.stderr.contains(
                "database is not a usable PostgreSQL URL: the URL names no database (…/DBNAME) (set by --database)"),
            "\(bad.stderr)")
        #expect(!bad.output.contains(Self.secret))
        let scheme = try runWithEnvironment(
            binary, ["config"],
            environment: cleanEnvironment.merging(["SPOOL_DATABASE": "mysql://u:\(Self.secret)@h/d"]) { $1 })
        #expect(
            scheme.status == 78 && scheme.stderr.contains("database must be sqlite or a PostgreSQL URL"),
            "\(scheme.output)")
        #expect(!scheme.output.contains(Self.secret))
        let lease = try runWithEnvironment(
            binary, ["config"], environment: cleanEnvironment.merging(["SPOOL_LEASE_S": "3"]) { $1 })
        #expect(
            lease.status == 78
                && lease.stderr.contains("lease_s must be at least 5 (seconds), not 3 (set by SPOOL_LEASE_S)"),
            "\(lease.output)")
    }

    @Test(
        "spool nodes: a SQLite root's one node (up while serving, then stopped); a database's nodes up, lost, stopped",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func nodes() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let server = try PostgresServer.shared()
        let spool = try SpoolRoot("nodes")
        spool.environment = ["SPOOL_NODE_NAME": "solo-node"]
        try spool.start()
        let env = cleanEnvironment.merging(["SPOOL_NODE_NAME": "solo-node"]) { $1 }
        let up: Listing = try await waitFor(
            "spool nodes to say up while serve runs", timeout: 60, interval: 0.5, on: spool
        ) { () throws -> Listing? in
            // Before serve has made its database, `spool nodes` rightly refuses the root.
            guard FileManager.default.fileExists(atPath: spool.dir("state/spool.sqlite").path) else { return nil }
            return try nodesJSON(spool.binary, ["--root", spool.root.path], env).flatMap {
                $0.nodes.first?.state == "up" ? $0 : nil
            }
        }
        #expect(up.engine == "sqlite" && up.nodes.count == 1, "\(up)")
        #expect(up.nodes.first?.name == "solo-node" && up.nodes.first?.state == "up", "\(up)")
        try await spool.stop()
        let stopped = try #require(try nodesJSON(spool.binary, ["--root", spool.root.path], env))
        #expect(stopped.nodes.first?.state == "stopped", "\(stopped)")
        let table = try runWithEnvironment(spool.binary, ["nodes", "--root", spool.root.path], environment: env)
        #expect(table.stdout.contains("a single node"), "\(table.stdout)")

        // The root's store in PostgreSQL (migrations 1 and 2: the node table), then three nodes and their jobs.
        let database = try server.makeDatabase()
        let url = server.tcpURL(database)
        let migrated = try runCommand(spool.binary, ["migrate", "--root", spool.root.path, "--to", url])
        #expect(migrated.status == 0, "\(migrated.output)")
        try server.psql(
            database,
            """
            INSERT INTO node (name, heartbeat_at, state, version, slots) VALUES
              ('fresh', now(), 'up', '1.0', 3),
              ('old', now() - interval '10 minutes', 'up', '1.0', 2),
              ('gone', now() - interval '1 hour', 'stopped', '0.9', 1);
            INSERT INTO batch (id, source, created_at) VALUES ('b1', 'inbox', 0);
            INSERT INTO job (id, batch_id, position, url, options, status, step, created_at, node, lease_id, leased_until)
            VALUES
              ('j1', 'b1', 0, 'http://x/1', '{}', 'Processing', 'Downloading', 0, 'fresh', gen_random_uuid(), now() + interval '30 seconds'),
              ('j2', 'b1', 1, 'http://x/2', '{}', 'Processing', 'Downloading', 0, 'fresh', gen_random_uuid(), now() + interval '30 seconds'),
              ('j3', 'b1', 2, 'http://x/3', '{}', 'Processing', 'Downloading', 0, 'old', gen_random_uuid(), now() - interval '9 minutes'),
              ('j4', 'b1', 3, 'http://x/4', '{}', 'Pending', 'Queued', 0, NULL, NULL, NULL);
            """)
        let cluster = try #require(try nodesJSON(spool.binary, ["--database", url], cleanEnvironment))
        #expect(cluster.engine == "postgresql" && cluster.leaseSeconds == 30)
        #expect(cluster.database == "postgres://spool:***@127.0.0.1:\(server.port)/\(database)?sslmode=disable")
        let byName = Dictionary(uniqueKeysWithValues: cluster.nodes.map { ($0.name, $0) })
        #expect(byName.keys.sorted() == ["fresh", "gone", "old"])
        #expect(byName["fresh"]?.state == "up" && byName["fresh"]?.runningJobs == 2 && byName["fresh"]?.slots == 3)
        #expect(byName["old"]?.state == "lost" && byName["old"]?.runningJobs == 0, "its lease expired: runs nowhere")
        #expect(byName["gone"]?.state == "stopped" && byName["gone"]?.version == "0.9")
        #expect((byName["old"]?.heartbeatAge ?? 0) >= 590 && (byName["fresh"]?.heartbeatAge ?? 99) < 30)

        // lease_s decides lost: with 15 minutes, the 10-minute-old heartbeat is still up.
        let longLease = try #require(
            try nodesJSON(
                spool.binary, ["--database", url], cleanEnvironment.merging(["SPOOL_LEASE_S": "900"]) { $1 }))
        #expect(longLease.nodes.first { $0.name == "old" }?.state == "up")
        let text = try runWithEnvironment(spool.binary, ["nodes", "--database", url], environment: cleanEnvironment)
        #expect(text.status == 0 && text.stdout.contains("lost"), "\(text.output)")
        #expect(!text.output.contains(PostgresServer.rolePassword))

        // A database without spool's schema: said so, password masked.
        let empty = try runWithEnvironment(
            spool.binary, ["nodes", "--database", server.tcpURL(try server.makeDatabase())],
            environment: cleanEnvironment)
        #expect(empty.status == 1 && empty.stderr.contains("has no node table"), "\(empty.output)")
        #expect(!empty.output.contains(PostgresServer.rolePassword))
    }

    @Test(
        "spool doctor with a database URL: reachable, server version, migrations applied vs known, clock skew",
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func doctorDatabase() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let server = try PostgresServer.shared()
        let binary = try Paths.spoolBinary()
        let base = try Paths.makeTempDir("spool-e2e-doctor-db")
        defer { try? FileManager.default.removeItem(at: base) }
        let root = base.appendingPathComponent("root").path
        // work outside the root: doctor checks it like a moved inbox, out or state.
        let config = base.appendingPathComponent("spool.json")
        try Data(#"{"work": "\#(base.appendingPathComponent("scratch").path)"}"#.utf8).write(to: config)
        func doctor(_ url: String) throws -> CommandResult {
            let result = try runWithEnvironment(
                binary, ["doctor", "--root", root, "--config", config.path],
                environment: cleanEnvironment.merging(["SPOOL_DATABASE": url]) { $1 },
                timeout: 120)
            #expect(!result.output.contains(PostgresServer.rolePassword), "the password is shown: \(result.output)")
            return result
        }
        func line(_ result: CommandResult, _ name: String) -> String {
            result.stdout.split(separator: "\n").map(String.init).first {
                $0.dropFirst(6).hasPrefix(name.padding(toLength: 10, withPad: " ", startingAt: 0))
            } ?? "(no \(name) line in: \(result.stdout))"
        }

        // A fresh database: reachable, nothing applied yet (a warning: serve applies them).
        let fresh = try server.makeDatabase()
        let before = try doctor(server.tcpURL(fresh))
        #expect(
            line(before, "database").hasPrefix("ok    database   postgres://spool:***@127.0.0.1:"), "\(before.output)")
        #expect(line(before, "database").contains("PostgreSQL 1"), "\(before.output)")
        // "0 of N applied": N is the number of migrations this build knows (it grows with the schema).
        let known = try #require(
            line(before, "migrations").firstMatch(of: /0 of (\d+) applied/).flatMap { Int($0.1) }, "\(before.output)")
        #expect(known >= 6, "\(before.output)")
        #expect(line(before, "migrations").hasPrefix("WARN"), "\(before.output)")
        let clock = line(before, "clock")
        #expect(clock.hasPrefix("ok "), "\(clock)")
        #expect(line(before, "work").contains("scratch does not exist yet; serve creates it"), "\(before.output)")
        let skew = clock.split(separator: " ").compactMap { Double($0) }.first
        #expect(skew.map { abs($0) < 2 } == true, "\(clock)")

        // Migrated: all applied. Then a version this build does not know: a failure, exit 1.
        try server.psql(
            fresh,
            """
            SET ROLE spool;
            CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
            INSERT INTO schema_migrations (version, name) SELECT v, 'm' || v FROM generate_series(1, \(known)) AS v;
            """)
        let applied = try doctor(server.tcpURL(fresh))
        #expect(
            line(applied, "migrations").hasPrefix("ok ")
                && line(applied, "migrations").contains("\(known) of \(known) applied"),
            "\(applied.output)")
        try server.psql(fresh, "INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')")
        let newer = try doctor(server.tcpURL(fresh))
        #expect(newer.status == 1)
        #expect(
            line(newer, "migrations").hasPrefix("FAIL") && line(newer, "migrations").contains("[99]"), "\(newer.output)"
        )

        // Unreachable (a wrong password): FAIL with the server's reason, masked.
        let refused = try doctor(server.tcpURL(fresh, password: "wrong-\(Self.secret)"))
        #expect(refused.status == 1)
        #expect(
            line(refused, "database").hasPrefix("FAIL")
                && line(refused, "database").contains("password authentication failed"), "\(refused.output)")
        #expect(!refused.output.contains(Self.secret))
    }

    // MARK: - Helpers

    struct Listing: CustomStringConvertible {
        struct Node {
            var name, state, version: String
            var heartbeatAge: Double?
            var runningJobs, slots: Int
        }
        var engine, database: String
        var leaseSeconds: Int
        var nodes: [Node]
        var description: String { "\(engine) \(database) \(nodes)" }
    }

    func nodesJSON(_ binary: URL, _ arguments: [String], _ environment: [String: String]) throws -> Listing? {
        let result = try runWithEnvironment(binary, ["nodes", "--json"] + arguments, environment: environment)
        #expect(result.status == 0, "\(result.output)")
        guard let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let nodes = object["nodes"] as? [[String: Any]]
        else { return nil }
        return Listing(
            engine: object["engine"] as? String ?? "", database: object["database"] as? String ?? "",
            leaseSeconds: jsonInt(object["lease_s"]) ?? 0,
            nodes: nodes.map {
                Listing.Node(
                    name: $0["name"] as? String ?? "", state: $0["state"] as? String ?? "",
                    version: $0["version"] as? String ?? "", heartbeatAge: jsonDouble($0["heartbeat_age_s"]),
                    runningJobs: jsonInt($0["running_jobs"]) ?? -1, slots: jsonInt($0["slots"]) ?? -1)
            })
    }
}
