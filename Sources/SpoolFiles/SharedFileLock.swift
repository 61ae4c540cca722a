import Glibc

/// An exclusive `flock(2)` on one file, taken around a short piece of work by several processes: the nodes
/// of a cluster that write one root's status files (`StatusWriter.sharedLock`). On NFS the Linux client
/// turns `flock` into a lock of the whole file that its lock manager (NLM, or NFSv4's own) keeps across
/// machines. Written here because no library in the mirror offers an async file lock.
///
/// One lock per process and file: a second `flock` on the same open file succeeds at once, so the callers
/// of one process take turns first (`StatusWriteOrder`).
package final class SharedFileLock: Sendable {
    private let fd: Int32
    package let path: String

    /// Opens (creating if needed) the lock file at `path`.
    package init(path: String) throws {
        self.path = path
        fd = Posix.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError.system(.open, "cannot open the lock file", path: path) }
    }

    deinit { close(fd) }

    /// Waits until this process holds the lock; true then. Polls (1 ms, then up to 10 ms apart) rather than
    /// blocking a thread of the cooperative pool while another node holds it. False, at once, when the file
    /// system cannot lock (an NFS mount with `nolock`: ENOLCK); the caller then goes on without it.
    package func lock() async -> Bool {
        var pause = 1
        while Posix.retryingOnEINTR({ flock(fd, LOCK_EX | LOCK_NB) }) != 0 {
            guard errno == EWOULDBLOCK else { return false }
            // In a task of its own: a cancelled caller (a stopping job writes its end) would otherwise
            // not sleep at all and spin on the lock.
            let wait = pause
            await Task { try? await Task.sleep(for: .milliseconds(wait)) }.value
            pause = min(pause * 2, 10)
        }
        return true
    }

    /// Gives the lock up.
    package func unlock() { _ = flock(fd, LOCK_UN) }
}
