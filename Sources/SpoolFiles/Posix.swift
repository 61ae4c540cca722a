import CSpoolFiles
import Foundation
import Glibc

/// Thin wrappers over the Glibc file calls, with EINTR retried and failures as `FileError`. The one read
/// loop, the one write loop and the one fsync path of the code base live here.
package enum Posix {
    /// `lstat(2)`; nil when the path does not exist or cannot be examined.
    package static func lstat(_ path: String) -> stat? {
        var info = stat()
        return Glibc.lstat(path, &info) == 0 ? info : nil
    }

    package static func fstat(_ fd: Int32) -> stat? {
        var info = stat()
        return Glibc.fstat(fd, &info) == 0 ? info : nil
    }

    package static func isRegular(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }

    package static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }

    /// Runs `call` (one system call returning -1 and setting errno on failure) again for as long as it
    /// fails with EINTR: a signal handler installed without SA_RESTART interrupts slow calls.
    package static func retryingOnEINTR<Result: BinaryInteger>(_ call: () -> Result) -> Result {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }

    /// `open(2)` retried on EINTR; returns -1 and leaves errno set on failure.
    package static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
        retryingOnEINTR { Glibc.open(path, flags, mode) }
    }

    // MARK: - Reading

    /// Reads from `fd` until end of file or until more than `limit` bytes were read
    /// (so callers can tell "exactly limit" from "over the limit").
    package static func read(_ fd: Int32, upTo limit: Int, path: String) throws -> Data {
        var data = Data()
        // A small limit (a status file compared by size) needs no 64 KiB buffer.
        let chunkSize = limit < 64 * 1024 ? limit + 1 : 64 * 1024
        try readChunks(fd, chunkSize: chunkSize, limit: limit, path: path) { data.append(contentsOf: $0) }
        return data
    }

    /// The file's bytes when it has exactly `size` bytes (a cheap first comparison), else nil.
    package static func contents(of path: String, ifSize size: Int) -> Data? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let info = fstat(fd), Int(info.st_size) == size else { return nil }
        guard let data = try? read(fd, upTo: size, path: path), data.count == size else { return nil }
        return data
    }

    /// Reads `fd` in chunks of up to `chunkSize` bytes, handing each to `body`, until end of file or
    /// until more than `limit` bytes were read. Failures throw `FileError(.read, message)`.
    package static func readChunks(
        _ fd: Int32, chunkSize: Int = 64 * 1024, limit: Int = .max, path: String, message: String = "cannot read file",
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try readChunks(
            chunkSize: chunkSize, limit: limit, path: path, message: message,
            read: { Glibc.read(fd, $0.baseAddress, $0.count) }, body)
    }

    /// The read loop itself, over any `read`-like call: EINTR is retried, short reads continue, 0 ends.
    static func readChunks(
        chunkSize: Int, limit: Int, path: String, message: String,
        read: (UnsafeMutableRawBufferPointer) -> Int, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while total <= limit {
            // One byte past the limit at most, so "over the limit" shows without reading the rest.
            let room = limit - total
            let wanted = room < chunkSize ? room + 1 : chunkSize
            let count = retryingOnEINTR { read(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted])) }
            if count < 0 { throw FileError.system(.read, message, path: path) }
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            total += count
        }
    }

    // MARK: - Writing

    /// Writes every byte of `data`, continuing after short writes and EINTR.
    package static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }

    /// Writes every byte of `bytes`, continuing after short writes and EINTR.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        try writeAll(bytes, path: path) { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    /// The write loop itself, over any `write`-like call.
    static func writeAll(
        _ bytes: UnsafeRawBufferPointer, path: String, write: (UnsafeRawBufferPointer) -> Int
    ) throws {
        var offset = 0
        while offset < bytes.count {
            let count = retryingOnEINTR { write(UnsafeRawBufferPointer(rebasing: bytes[offset...])) }
            if count < 0 { throw FileError.system(.write, "cannot write file", path: path) }
            // write(2) returns 0 only for an empty request; anything else would loop forever.
            if count == 0 { throw FileError(.write, "cannot write file", path: path) }
            offset += count
        }
    }

    // MARK: - Syncing

    package static func fsync(_ fd: Int32, path: String) throws {
        try sync(path: path) { Glibc.fsync(fd) }
    }

    /// The fsync path itself, over any `fsync`-like call.
    static func sync(path: String, _ call: () -> Int32) throws {
        guard retryingOnEINTR(call) != 0 else { return }
        // Some filesystems cannot sync (EINVAL/EROFS on special mounts); that is not a failed write.
        if errno == EINVAL || errno == EROFS { return }
        throw FileError.system(.sync, "cannot fsync", path: path)
    }

    /// fsyncs a directory so a rename into it survives a crash.
    package static func fsyncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.system(.open, "cannot open directory to fsync it", path: path) }
        defer { close(fd) }
        try fsync(fd, path: path)
    }

    /// syncfs(2) on the filesystem holding `directory`: everything written there without fsync is on disk.
    /// Unlike `fsync`, every failure throws: the caller relies on the flush having happened.
    package static func syncFileSystem(of directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.system(.open, "cannot open directory to sync it", path: directory) }
        defer { close(fd) }
        guard retryingOnEINTR({ CSpoolFiles_syncfs(fd) }) == 0 else {
            throw FileError.system(.sync, "cannot sync the filesystem", path: directory)
        }
    }

    // MARK: - Paths and directories

    package static func directory(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    package static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            return String(byte, radix: 16).leftPadded(to: 2)
        }.joined()
    }

    /// Creates a directory and its parents (mode 0755); succeeds when it already exists.
    package static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw FileError(.createDirectory, "cannot create directory", path: path)
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
