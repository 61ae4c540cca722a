import CSpoolFiles
import Foundation
import Glibc

/// Crash-safe file replacement and moves: a reader sees the old file or the new one, never a part.
package enum AtomicFile {
    /// Writes to a temp name in the same directory (O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, mode 0644), fsync,
    /// rename over `path`, fsync the directory. A reader never sees a half-written file. Creates no directories.
    ///
    /// `durable: false` skips both fsyncs: still atomic for readers and across a process crash, but a
    /// power loss may roll the file back. For projections that are rebuilt from the database at start-up.
    package static func write(_ data: Data, to path: String, durable: Bool = true) throws {
        let directory = Posix.directory(of: path)
        let (fd, temp) = try createTemp(in: directory, for: path)
        do {
            defer { close(fd) }
            try Posix.writeAll(fd, data, path: temp)
            if durable { try Posix.fsync(fd, path: temp) }
        } catch {
            unlink(temp)
            throw error
        }
        guard rename(temp, path) == 0 else {
            let error = FileError.system(.rename, "cannot rename temporary file into place", path: path)
            unlink(temp)
            throw error
        }
        if durable { try Posix.fsyncDirectory(directory) }
    }

    /// Writes a file that is expected to be new (a job's first status file), without fsync: the data goes
    /// into an unnamed `O_TMPFILE` inode that `linkat(2)` then names, so it appears whole in one directory
    /// operation where temp + rename takes two (half the directory locking on a 100-job ingest).
    /// When the name exists already, or the filesystem has no `O_TMPFILE`, it falls back to `write`.
    package static func writeNew(_ data: Data, to path: String) throws {
        let directory = Posix.directory(of: path)
        let fd = Posix.open(directory, CSpoolFiles_O_TMPFILE | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return try write(data, to: path, durable: false) }
        defer { close(fd) }
        try Posix.writeAll(fd, data, path: path)
        if linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 { return }
        try write(data, to: path, durable: false)
    }

    /// Makes files written with `durable: false` durable, with their directory entries: one journal commit
    /// for several files instead of two per file. Use it before deleting what would redo them after a crash.
    package static func sync(_ paths: [String]) throws {
        var directories: [String] = []
        for path in paths {
            let fd = Posix.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw FileError.system(.open, "cannot open file to fsync it", path: path) }
            defer { close(fd) }
            try Posix.fsync(fd, path: path)
            let directory = Posix.directory(of: path)
            if !directories.contains(directory) { directories.append(directory) }
        }
        for directory in directories { try Posix.fsyncDirectory(directory) }
    }

    /// Moves a file to `destination` atomically: rename(2); on EXDEV copy to a temp in the destination dir
    /// + fsync + rename, then unlink the source.
    package static func move(from source: String, to destination: String) throws {
        if rename(source, destination) == 0 {
            try Posix.fsyncDirectory(Posix.directory(of: destination))
            return
        }
        guard errno == EXDEV else {
            throw FileError.system(.rename, "cannot move \(source)", path: destination)
        }
        try copyAcrossDevices(from: source, to: destination)
        guard unlink(source) == 0 || errno == ENOENT else {
            throw FileError.system(.rename, "copied, but cannot remove the source", path: source)
        }
        try? Posix.fsyncDirectory(Posix.directory(of: source))
    }

    /// The EXDEV half of `move`: the destination appears complete or not at all; the source is untouched.
    static func copyAcrossDevices(from source: String, to destination: String) throws {
        let input = Posix.open(source, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard input >= 0 else { throw FileError.system(.open, "cannot open file to move it", path: source) }
        defer { close(input) }
        guard let info = Posix.fstat(input), Posix.isRegular(info) else {
            throw FileError(.notRegular, "only regular files can be moved", path: source)
        }
        let directory = Posix.directory(of: destination)
        let (output, temp) = try createTemp(in: directory, for: destination)
        do {
            defer { close(output) }
            try copy(from: input, to: output, source: source, temp: temp)
            try Posix.fsync(output, path: temp)
        } catch {
            unlink(temp)
            throw error
        }
        guard rename(temp, destination) == 0 else {
            let error = FileError.system(.rename, "cannot rename temporary file into place", path: destination)
            unlink(temp)
            throw error
        }
        try Posix.fsyncDirectory(directory)
    }

    /// Opens a fresh hidden temp file beside `path`; the name is random so concurrent writers never collide.
    static func createTemp(in directory: String, for path: String) throws -> (Int32, String) {
        let base = (path as NSString).lastPathComponent
        while true {
            let temp = "\(directory)/.\(base).\(Posix.randomHex(bytes: 6)).tmp"
            let fd = Posix.open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd >= 0 { return (fd, temp) }
            if errno == EEXIST { continue }
            throw FileError.system(.open, "cannot create temporary file", path: temp)
        }
    }

    private static func copy(from input: Int32, to output: Int32, source: String, temp: String) throws {
        try Posix.readChunks(input, chunkSize: 256 * 1024, path: source, message: "cannot read file to move it") {
            try Posix.writeAll(output, $0, path: temp)
        }
    }
}
