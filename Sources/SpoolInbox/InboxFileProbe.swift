import Foundation
import Glibc
import SpoolFiles

/// Read-only looks at an inbox file that the watcher uses to decide whether it is ready.
enum InboxFileProbe {
    /// The stamp of a regular file (by `lstat`, so symlinks are not followed); nil for anything else.
    static func regularFileStamp(_ path: String) -> FileStamp? {
        guard let info = Posix.lstat(path), Posix.isRegular(info) else { return nil }
        return FileStamp(info)
    }

    /// True when the file reads as complete JSON (an object or array, after one leading UTF-8 BOM), or is
    /// larger than `maxBytes` (it will be rejected unread, so waiting for more data is pointless).
    static func looksComplete(_ path: String, maxBytes: Int) -> Bool {
        // O_NONBLOCK: a FIFO swapped in since the lstat must not block the watcher.
        let fd = Posix.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard let info = Posix.fstat(fd), Posix.isRegular(info) else { return false }
        if Int(info.st_size) > maxBytes { return true }
        guard var data = try? Posix.read(fd, upTo: maxBytes, path: path) else { return false }
        if data.count > maxBytes { return true }
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { data.removeFirst(3) }
        return (try? JSONSerialization.jsonObject(with: data)) != nil
    }
}
