/// Who holds a `flock` on a file, from `/proc/locks`, without taking the lock: `spool nodes` asks whether a
/// `spool serve` holds a root's state lock, and trying the lock itself could make a starting serve fail.
package enum FlockHolder {
    /// The PID holding a `FLOCK` on the file with inode `inode`, from a `/proc/locks` text
    /// (`1: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF`); nil when none does.
    package static func pid(inode: UInt64, in locks: String) -> Int32? {
        for line in locks.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // A blocked waiter's line starts `1: -> FLOCK …`: it holds nothing.
            guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int32(fields[4]) else { continue }
            if let last = fields[5].split(separator: ":").last, UInt64(last) == inode { return pid }
        }
        return nil
    }
}
