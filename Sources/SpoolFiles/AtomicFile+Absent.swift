import CSpoolFiles
import Foundation
import Glibc

extension AtomicFile {
    /// Writes a file only if nothing has that name yet, whole or not at all; false (nothing written) when the
    /// name exists. Several nodes writing one root's status files: a node's first file for a new job must not
    /// replace a newer one another node wrote meanwhile. `O_TMPFILE` + `linkat(2)`, or (on NFS, which has
    /// no `O_TMPFILE`) a temp file and `link(2)`: both refuse an existing name (EEXIST) in one operation.
    package static func writeIfAbsent(_ data: Data, to path: String) throws -> Bool {
        let directory = Posix.directory(of: path)
        let anonymous = Posix.open(directory, CSpoolFiles_O_TMPFILE | O_WRONLY | O_CLOEXEC, 0o644)
        if anonymous >= 0 {
            defer { close(anonymous) }
            try Posix.writeAll(anonymous, data, path: path)
            if linkat(AT_FDCWD, "/proc/self/fd/\(anonymous)", AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 { return true }
            if errno == EEXIST { return false }
        }
        let (fd, temp) = try createTemp(in: directory, for: path)
        defer { unlink(temp) }
        do {
            defer { close(fd) }
            try Posix.writeAll(fd, data, path: temp)
        }
        if link(temp, path) == 0 { return true }
        if errno == EEXIST { return false }
        throw FileError.system(.rename, "cannot link temporary file into place", path: path)
    }
}
