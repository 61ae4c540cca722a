import Glibc

/// The names in a directory, read with readdir(3) (no stat per entry), dot-names skipped.
package enum DirectoryListing {
    /// The offset of `d_name` in `struct dirent`.
    private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!

    /// Every name in `directory` except `.`, `..` and hidden dot-names.
    package static func visibleNames(in directory: String) throws -> [String] {
        var names: [String] = []
        try forEachVisibleName(in: directory) { names.append(String(cString: $0)) }
        return names
    }

    /// Hands `body` each name in `directory` that does not start with a dot, as a C string valid only
    /// during the call, so a caller that filters names pays for a `String` only for the ones it keeps.
    package static func forEachVisibleName(
        in directory: String, _ body: (UnsafePointer<CChar>) throws -> Void
    ) throws {
        guard let dir = opendir(directory) else {
            throw FileError.system(.open, "cannot list the directory", path: directory)
        }
        defer { closedir(dir) }
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw FileError.system(.list, "cannot list the directory", path: directory) }
                return
            }
            // Read in place, up to its NUL. Not `entry.pointee.d_name`: that copies all 256 bytes of the
            // declared array, but a record in readdir's buffer is only as long as its name (d_reclen), so
            // the copy could run past the end of the buffer.
            let name = (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self)
            guard name.pointee != CChar(UInt8(ascii: ".")) else { continue }
            try body(name)
        }
    }
}
