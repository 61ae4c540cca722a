import Foundation
import SpoolFiles

/// Whether a process holds a root's state lock (`StateLock`), read from `/proc/locks` rather than by trying
/// the lock: a `spool nodes` holding it for an instant could make a `spool serve` starting then refuse to run.
enum StateLockProbe {
    /// The PID holding the `flock` on `path`, nil when none does (or the file does not exist).
    static func holder(of path: String) -> Int32? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value,
            let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8)
        else { return nil }
        return FlockHolder.pid(inode: inode, in: locks)
    }
}
