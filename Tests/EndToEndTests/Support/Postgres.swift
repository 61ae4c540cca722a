// A throwaway PostgreSQL server for the end-to-end tests: initdb in a temporary directory, started once per
// test process on first use (a Unix socket in that directory and 127.0.0.1 on a free port; fsync off),
// stopped and deleted when the process exits. Every test makes its own database. initdb and postgres
// refuse to run as root, so as root the directory belongs to the `postgres` user and the server runs as
// that user (runuser); otherwise it runs as the current user. Foundation only, like the rest of the target.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

final class PostgresServer: @unchecked Sendable {
    /// The `spool` role's password (TCP logins are password-checked, scram-sha-256).
    static let rolePassword = "e2e-pw-\(UInt32.random(in: 100_000...999_999))"

    let bin: URL
    let directory: URL
    let port: Int

    /// `/usr/lib/postgresql/<newest>/bin` when the server is installed (scripts/ensure-deps.sh).
    static var installedBin: URL? {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
            .map { URL(fileURLWithPath: "\(root)/\($0)/bin") }
            .first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("initdb").path) }
    }

    static var available: Bool { installedBin != nil }

    /// The server of this test process, started on first use.
    static func shared() throws -> PostgresServer {
        lock.lock()
        defer { lock.unlock() }
        if let running { return running }
        let server = try PostgresServer()
        running = server
        atexit { PostgresServer.running?.stop() }
        return server
    }

    /// A server of its own, for a test that stops and starts it (`halt`, `resume`); the caller stops it.
    static func dedicated() throws -> PostgresServer { try PostgresServer() }

    nonisolated(unsafe) private static var running: PostgresServer?
    private static let lock = NSLock()

    private init() throws {
        guard let bin = Self.installedBin else {
            throw E2EError(
                "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; run scripts/ensure-deps.sh")
        }
        self.bin = bin
        var template = Array("/tmp/spool-e2e-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw E2EError("mkdtemp failed") }
        directory = URL(fileURLWithPath: String(cString: made))
        port = try freePort()  // Support/SeaweedFS.swift
        if getuid() == 0 {
            guard let user = getpwnam("postgres") else { throw E2EError("no postgres user to run the server as") }
            guard chown(directory.path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
                throw E2EError("chown \(directory.path) failed: errno \(errno)")
            }
        }
        let data = directory.appendingPathComponent("data").path
        try serverUser(
            "initdb",
            [
                "-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-N", "-E", "UTF8",
                "--no-locale",
            ])
        let settings = [
            "listen_addresses = '127.0.0.1'", "port = \(port)", "unix_socket_directories = '\(directory.path)'",
            "fsync = off", "synchronous_commit = off", "full_page_writes = off", "max_connections = 200",
        ]
        let conf = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(data)/postgresql.conf"))
        try conf.seekToEnd()
        try conf.write(contentsOf: Data(("\n" + settings.joined(separator: "\n") + "\n").utf8))
        try conf.close()
        try serverUser(
            "pg_ctl",
            ["-D", data, "-l", directory.appendingPathComponent("server.log").path, "-w", "-t", "60", "start"])
        try psql("postgres", "CREATE ROLE spool LOGIN PASSWORD '\(Self.rolePassword)'")
    }

    /// A new, empty database owned by `spool`.
    func makeDatabase() throws -> String {
        let name = "e2e_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try run(
            bin.appendingPathComponent("createdb").path,
            ["-h", directory.path, "-p", "\(port)", "-U", "postgres", "-O", "spool", name])
        return name
    }

    /// `postgres://spool:PASSWORD@127.0.0.1:PORT/DB?sslmode=disable`.
    func tcpURL(_ database: String, password: String = PostgresServer.rolePassword) -> String {
        "postgres://spool:\(password)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// `psql -c sql` on `database` as the superuser over the socket, unaligned, tuples only; its stdout.
    @discardableResult
    func psql(_ database: String, _ sql: String) throws -> String {
        try run(
            bin.appendingPathComponent("psql").path,
            [
                "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", directory.path, "-p", "\(port)", "-U", "postgres", "-d",
                database, "-A", "-t", "-c", sql,
            ])
    }

    /// Stops the server (fast shutdown: sessions are cut), keeping its data; `resume` starts it again.
    func halt() throws {
        try serverUser("pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-m", "fast", "-w", "stop"])
    }

    /// Starts a halted server again on the same port and socket.
    func resume() throws {
        try serverUser(
            "pg_ctl",
            [
                "-D", directory.appendingPathComponent("data").path, "-l",
                directory.appendingPathComponent("server.log").path, "-w", "-t", "60", "start",
            ])
    }

    func stop() {
        _ = try? serverUser(
            "pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    private func serverUser(_ program: String, _ arguments: [String]) throws {
        let tool = bin.appendingPathComponent(program).path
        if getuid() == 0 {
            try run("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + arguments)
        } else {
            try run(tool, arguments)
        }
    }

    /// Runs a program to its end (`spawnAndWait`); its output. Throws when it fails.
    @discardableResult
    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        let outputPath = directory.appendingPathComponent("command-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let status = spawnAndWait(executable, arguments, outputPath: outputPath)
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw E2EError("\(executable) \(arguments.joined(separator: " ")) exited \(status): \(text)")
        }
        return text
    }
}

/// Runs `executable arguments…` to its end with posix_spawn and waitpid, stdin from /dev/null and
/// stdout+stderr to `outputPath`; its exit status. Not Foundation's `Process`: under Swift Testing it
/// can miss a child's exit (seen here: `runuser` left a zombie and `waitUntilExit` never returned).
private func spawnAndWait(_ executable: String, _ arguments: [String], outputPath: String) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid = pid_t()
    guard posix_spawn(&pid, executable, &actions, &attributes, argv, environ) == 0 else { return 127 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}
