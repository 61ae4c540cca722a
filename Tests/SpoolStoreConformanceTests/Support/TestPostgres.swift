// A throwaway PostgreSQL server for this test process: initdb in a temporary directory, started once on
// first use (a Unix socket in that directory and 127.0.0.1 on a free port, fsync off), stopped and
// deleted when the process exits. Every test makes its own database. initdb and postgres refuse to run
// as root, so as root the directory belongs to the `postgres` user and the server runs as that user
// (runuser); otherwise it runs as the current user.

import Foundation
import Synchronization
import Testing

@testable import SpoolPostgres

#if canImport(Glibc)
    import Glibc
#endif

final class TestPostgres: Sendable {
    /// The password of the `spool` role (`makeRole`), for password-checked TCP connections.
    static let rolePassword = "test-secret-\(UInt32.random(in: 1000...9999))"

    let binDirectory: String
    let directory: String
    let port: Int
    var socketDirectory: String { directory }

    /// The server binaries (`/usr/lib/postgresql/<version>/bin`), nil when PostgreSQL is not installed.
    static var installedBinDirectory: String? {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "\(root)/\($0)/bin" }
            .first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }
    }

    /// Whether this machine can run the server; without it the PostgreSQL cases are skipped, except under
    /// `SPOOL_E2E_NO_SKIP=1`, where they run and fail.
    static var available: Bool { installedBinDirectory != nil }
    static var noSkip: Bool { ProcessInfo.processInfo.environment["SPOOL_E2E_NO_SKIP"] == "1" }

    /// The server of this process, started on first use.
    static func shared() throws -> TestPostgres { try started.get() }
    private static let started = Result { try TestPostgres() }

    /// A server of the calling test's own (stopped at exit like the shared one), for tests that stop it
    /// (`stop()`); everything else uses `shared()`.
    static func dedicated() throws -> TestPostgres { try TestPostgres() }

    private init() throws {
        guard let bin = Self.installedBinDirectory else {
            throw HarnessError(
                "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (scripts/ensure-deps.sh installs them)"
            )
        }
        binDirectory = bin
        var template = Array("/tmp/spool-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw HarnessError("mkdtemp failed") }
        directory = String(cString: made)
        port = try Self.freePort()
        if getuid() == 0 {
            guard let entry = getpwnam("postgres") else { throw HarnessError("no postgres user to run the server as") }
            guard chown(directory, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
                throw HarnessError("chown \(directory) failed: errno \(errno)")
            }
        }
        let data = "\(directory)/data"
        try runAsServerUser(
            "\(bin)/initdb",
            [
                "-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-N", "-E", "UTF8",
                "--no-locale",
            ])
        let settings = [
            "listen_addresses = '127.0.0.1'", "port = \(port)", "unix_socket_directories = '\(directory)'",
            "fsync = off", "synchronous_commit = off", "full_page_writes = off", "max_connections = 200",
        ]
        let conf = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(data)/postgresql.conf"))
        try conf.seekToEnd()
        try conf.write(contentsOf: Data(("\n" + settings.joined(separator: "\n") + "\n").utf8))
        try conf.close()
        try runAsServerUser("\(bin)/pg_ctl", ["-D", data, "-l", "\(directory)/server.log", "-w", "-t", "60", "start"])
        Self.toStop.withLock { $0.append((bin, directory)) }
        Self.registerExitHook()
        try run(
            "\(bin)/psql",
            psqlArguments(database: "postgres") + [
                "-c", "CREATE ROLE spool LOGIN PASSWORD '\(Self.rolePassword)' CREATEDB",
            ])
    }

    /// Stops the server at once (`pg_ctl stop -m immediate`), as a crash or a lost host would: for tests of
    /// what clients do while the database is unreachable. Only on a `dedicated()` server.
    func stop() throws {
        try runAsServerUser("\(binDirectory)/pg_ctl", ["-D", "\(directory)/data", "-m", "immediate", "-w", "stop"])
    }

    /// A new, empty database owned by `spool`, its name unique to this call.
    func makeDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try run("\(binDirectory)/createdb", ["-h", directory, "-p", "\(port)", "-U", "postgres", "-O", "spool", name])
        return name
    }

    /// The URL of `database` over the Unix socket (trusted, no password).
    func socketURL(_ database: String) throws -> PostgresURL {
        try PostgresURL("postgres://postgres@localhost/\(database)?host=\(directory)&port=\(port)")
    }

    /// The URL of `database` over TCP as `spool` with `password`.
    func tcpURL(_ database: String, password: String = TestPostgres.rolePassword) throws -> PostgresURL {
        try PostgresURL("postgres://spool:\(password)@127.0.0.1:\(port)/\(database)?sslmode=disable")
    }

    func psqlArguments(database: String) -> [String] {
        ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", directory, "-p", "\(port)", "-U", "postgres", "-d", database]
    }

    /// Runs `psql -c sql` on `database`; its standard output.
    @discardableResult
    func psql(_ database: String, _ sql: String) throws -> String {
        try run("\(binDirectory)/psql", psqlArguments(database: database) + ["-A", "-t", "-c", sql])
    }

    // MARK: - Processes

    private func runAsServerUser(_ executable: String, _ arguments: [String]) throws {
        if getuid() == 0 {
            try run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
        } else {
            try run(executable, arguments)
        }
    }

    /// Runs a program to its end; its standard output. Output goes through a file, not a pipe: the server
    /// pg_ctl starts must not hold our pipe open.
    @discardableResult
    func run(_ executable: String, _ arguments: [String]) throws -> String {
        let outputPath = "\(directory)/command-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let status = spawnAndWait(executable, arguments, outputPath: outputPath)
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw HarnessError("\(executable) \(arguments.joined(separator: " ")) exited \(status): \(text)")
        }
        return text
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw HarnessError("no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    // MARK: - Exit

    private static let toStop = Mutex<[(bin: String, directory: String)]>([])

    private static func registerExitHook() {
        atexit {
            for (bin, directory) in TestPostgres.toStop.withLock({ $0 }) {
                let pgctl = ["-D", "\(directory)/data", "-m", "immediate", "-w", "stop"]
                if getuid() == 0 {
                    _ = spawnAndWait(
                        "/usr/sbin/runuser", ["-u", "postgres", "--", "\(bin)/pg_ctl"] + pgctl, outputPath: "/dev/null")
                } else {
                    _ = spawnAndWait("\(bin)/pg_ctl", pgctl, outputPath: "/dev/null")
                }
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `executable arguments…` to its end with posix_spawn and waitpid, stdin from /dev/null and
/// stdout+stderr to `outputPath`; its exit status. Not Foundation's `Process`: under Swift Testing it
/// can miss a child's exit (seen here: `runuser` left a zombie and `waitUntilExit` never returned).
func spawnAndWait(_ executable: String, _ arguments: [String], outputPath: String) -> Int32 {
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
