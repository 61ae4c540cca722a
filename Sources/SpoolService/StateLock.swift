import Foundation
import SpoolFiles

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive `flock` on `state/spool.lock` (`SpoolPaths.lockFile`): one service per state directory.
/// The kernel drops it when the process dies, so a `kill -9` leaves no stale lock.
package final class StateLock: Sendable {
    private let fd: Int32

    /// Locks the file at `path` (created if needed); throws when another process holds the lock.
    package init(path: String) throws {
        fd = Posix.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ConfigurationFailure(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ConfigurationFailure(
                message:
                    "another spool process is already using \(Posix.directory(of: path)); stop it or choose another root"
            )
        }
    }

    deinit { close(fd) }
}

/// A start-up problem the operator must fix; the message says what.
package struct ConfigurationFailure: Error, CustomStringConvertible {
    package var message: String
    package init(message: String) { self.message = message }
    package var description: String { message }
}
