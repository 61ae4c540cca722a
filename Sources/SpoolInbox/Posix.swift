import Foundation
import Glibc

/// Thin wrappers over the Glibc calls this module makes, with EINTR retried and errors as `InboxError`.
enum Posix {
    /// `lstat(2)`; nil when the path does not exist or cannot be examined.
    static func lstat(_ path: String) -> stat? {
        var info = stat()
        return Glibc.lstat(path, &info) == 0 ? info : nil
    }

    static func fstat(_ fd: Int32) -> stat? {
        var info = stat()
        return Glibc.fstat(fd, &info) == 0 ? info : nil
    }

    static func isRegular(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }

    static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }

    /// `open(2)` retried on EINTR; returns -1 and leaves errno set on failure.
    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags, mode)
            if fd >= 0 || errno != EINTR { return fd }
        }
    }

    /// Reads from `fd` until end of file or until more than `limit` bytes were read
    /// (so callers can tell "exactly limit" from "over the limit").
    static func read(_ fd: Int32, upTo limit: Int, path: String) throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while data.count <= limit {
            let wanted = min(buffer.count, limit + 1 - data.count)
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw InboxError.system(.read, "cannot read file", path: path)
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return data
    }

    /// Writes every byte of `data`, continuing after short writes and EINTR.
    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let count = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw InboxError.system(.write, "cannot write file", path: path)
                }
                offset += count
            }
        }
    }

    static func fsync(_ fd: Int32, path: String) throws {
        while Glibc.fsync(fd) != 0 {
            if errno == EINTR { continue }
            // Some filesystems cannot sync (EINVAL/EROFS on special mounts); that is not a failed write.
            if errno == EINVAL || errno == EROFS { return }
            throw InboxError.system(.sync, "cannot fsync", path: path)
        }
    }

    /// fsyncs a directory so a rename into it survives a crash.
    static func fsyncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw InboxError.system(.open, "cannot open directory to fsync it", path: path) }
        defer { close(fd) }
        try fsync(fd, path: path)
    }

    static func directory(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            return String(byte, radix: 16).leftPadded(to: 2)
        }.joined()
    }

    /// Creates a directory and its parents (mode 0755); succeeds when it already exists.
    static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw InboxError(code: .createDirectory, message: "cannot create directory", path: path)
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
