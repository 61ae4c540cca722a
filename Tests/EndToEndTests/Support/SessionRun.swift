// Runs a script (scripts/crash-trials, scripts/bench) as the leader of its own session, so that a deadline
// stops everything it started: the script, the `spool serve` it runs in another process group, and the tools.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How a script run in its own session ended.
struct SessionRun {
    let status: Int32
    /// stdout and stderr, interleaved as written.
    let output: String
    /// Processes still in the session after the script exited (stopped since): a script must leave none.
    let leftovers: [pid_t]

    var lastLine: String { output.split(separator: "\n").last.map(String.init) ?? "" }
}

/// Runs `executable arguments…` in a new session with the harness environment. At `timeout` s the whole session
/// is killed and an error names `what`, with the start and the end of its output (where the seed and the last
/// step are). After a normal exit, anything left in the session is killed and reported in `leftovers`.
///
/// spool runs each tool in a session of its own, so a tool of a killed spool is outside the script's session:
/// `strayToken` finds such processes by a path in their command line (the script's root, from its output).
func runInSession(
    _ what: String, _ executable: URL, _ arguments: [String], cwd: URL, timeout: Double,
    strayToken: @escaping (_ output: String) -> String? = { _ in nil }
) async throws -> SessionRun {
    let dir = try Paths.makeTempDir("spool-e2e-session")
    defer { try? FileManager.default.removeItem(at: dir) }
    let log = dir.appendingPathComponent("output.log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    let child = try ChildProcess(
        executable: executable.path, arguments: arguments, environment: Paths.childEnvironment, cwd: cwd.path,
        logPath: log.path, newSession: true)
    let exited: Bool
    do {
        exited = try await child.waitUntilExit(timeout: timeout)
    } catch {
        child.killSession()  // cancelled (the suite's time limit): stop the session before giving up
        throw error
    }
    let output = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    func strays() -> [pid_t] {
        guard let token = strayToken(output()), !token.isEmpty else { return [] }
        return processes(mentioning: token).filter { $0 != getpid() }
    }
    guard exited else {
        child.killSession()
        for pid in strays() { kill(pid, SIGKILL) }
        let lines = output().split(separator: "\n", omittingEmptySubsequences: false)
        throw E2EError(
            "\(what) did not finish within \(Int(timeout)) s; its session was killed. Output (start … end):\n"
                + lines.prefix(5).joined(separator: "\n") + "\n…\n" + lines.suffix(40).joined(separator: "\n"))
    }
    let leftovers = sessionMembers(child.pid) + strays()
    for pid in leftovers { kill(pid, SIGKILL) }
    return SessionRun(status: child.exitStatus ?? -1, output: output(), leftovers: leftovers)
}
