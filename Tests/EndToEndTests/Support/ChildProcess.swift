// A child process started with posix_spawn and a clean signal state.
//
// Why not Foundation `Process` for the service: the child inherits the signal mask of the
// spawning test thread, and under Swift Testing that mask blocks almost every signal
// (measured: SigBlk fffffffe3bfbea27 in the child). A service started that way never sees
// SIGTERM, so a shutdown test would only test the harness. Here the child gets an empty mask
// and default dispositions, as it would when started from a shell.

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A child process with an empty signal mask, its own process group (or session), output appended to a log.
final class ChildProcess {
    let pid: pid_t
    /// True when the child leads its own session: `killSession` then reaches everything it started.
    let leadsSession: Bool
    private(set) var exitStatus: Int32?

    /// Starts `executable arguments…` in `cwd` with stdin from /dev/null and stdout+stderr appended to `logPath`.
    /// `newSession`: start it as the leader of a new session (setsid) instead of a new process group, so that
    /// `killSession` can stop its whole tree, including children that made their own process groups.
    init(
        executable: String, arguments: [String], environment: [String: String], cwd: String, logPath: String,
        newSession: Bool = false
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigdefault(&attr, &all)
        // Own process group (or session), so that a stray signal to the test's group does not reach it.
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newSession {
            flags |= posixSpawnSetSID
        } else {
            posix_spawnattr_setpgroup(&attr, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attr, Int16(flags))

        // `env -C DIR` sets the working directory and execs (same pid; glibc's addchdir_np is not imported).
        let launcher = "/usr/bin/env"
        let argv: [UnsafeMutablePointer<CChar>?] =
            ([launcher, "-C", cwd, executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, launcher, &actions, &attr, argv, envp)
        guard rc == 0 else {
            throw E2EError("posix_spawn \(executable) failed: \(String(cString: strerror(rc)))")
        }
        pid = child
        leadsSession = newSession
    }

    /// Reaps the child if it has exited (non-blocking).
    var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid {
            // WIFEXITED / WEXITSTATUS / WTERMSIG by hand (macros are not imported).
            let termsig = status & 0x7f
            exitStatus = termsig == 0 ? (status >> 8) & 0xff : 128 + termsig
            return false
        }
        if r < 0 && errno == ECHILD {
            exitStatus = -1
            return false
        }
        return true
    }

    func signal(_ sig: Int32) {
        if isRunning { kill(pid, sig) }
    }

    /// Blocks until the child exits (use after SIGKILL).
    func waitBlocking() {
        while isRunning { usleep(10_000) }
    }

    /// Waits up to `timeout` s for the child to exit; true when it did.
    func waitUntilExit(timeout: Double) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning {
            if Date() >= deadline { return false }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        return true
    }

    /// Sends `sig` to every process of the child's session (the child, and whatever it started in other process
    /// groups), then reaps the child. Only for children started with `newSession: true`.
    func killSession(_ sig: Int32 = SIGKILL) {
        precondition(leadsSession, "killSession needs a child started with newSession: true")
        for member in sessionMembers(pid) { kill(member, sig) }
        if sig == SIGKILL { waitBlocking() }
    }
}

/// glibc's POSIX_SPAWN_SETSID (2.26+), which Swift's Glibc module does not import.
private let posixSpawnSetSID: Int32 = 0x80

/// PIDs of the live (not zombie) processes whose session ID is `sid` (field 6 of /proc/<pid>/stat).
func sessionMembers(_ sid: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> pid_t? in
        guard let pid = pid_t(entry),
            let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm)": state ppid pgrp session ...; comm may contain spaces, hence the last ")".
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 3 && fields[0] != "Z" && pid_t(fields[3]) == sid ? pid : nil
    }
}
