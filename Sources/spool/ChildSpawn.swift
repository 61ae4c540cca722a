import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn, an empty signal mask and default signal dispositions
/// (Foundation's Process passes on the parent thread's mask, and a child that blocks SIGTERM
/// could not be stopped), stdout and stderr appended to a log file.
final class SpawnedChild: @unchecked Sendable {
    let pid: pid_t
    /// The write end of the child's stdin, when it reads a pipe (it sees EOF when we exit).
    private(set) var stdinWriter: Int32?
    private var status: Int32?

    init(_ executable: String, _ arguments: [String], log: String, stdinPipe: Bool = false) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var fds: [Int32] = [-1, -1]
        if stdinPipe {
            guard pipe(&fds) == 0 else { throw ConfigProblem(message: "pipe failed: errno \(errno)") }
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
            posix_spawn_file_actions_addclose(&actions, fds[0])
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
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
        // Its own process group: the terminal's Ctrl-C reaches only us, and we stop it in order.
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] =
            ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attr, argv, envp)
        if stdinPipe { close(fds[0]) }
        guard rc == 0 else {
            if stdinPipe { close(fds[1]) }
            throw ConfigProblem(message: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
        stdinWriter = stdinPipe ? fds[1] : nil
    }

    var isRunning: Bool {
        if status != nil { return false }
        var raw: Int32 = 0
        let r = waitpid(pid, &raw, WNOHANG)
        if r == pid {
            status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            return false
        }
        return r == 0
    }

    var exitStatus: Int32? { isRunning ? nil : status }

    /// SIGTERM (and the stdin pipe closed), then SIGKILL after `timeout` seconds; returns the exit status.
    @discardableResult
    func stop(timeout: Double = 10) -> Int32? {
        if let fd = stdinWriter {
            close(fd)
            stdinWriter = nil
        }
        if isRunning { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(20_000) }
        if isRunning {
            kill(pid, SIGKILL)
            while isRunning { usleep(10_000) }
        }
        return status
    }
}

/// This program's own path (to start `spool serve` from `spool demo`).
func ownExecutable() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    return CommandLine.arguments[0]
}
