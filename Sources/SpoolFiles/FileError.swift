import Glibc

/// A failed file operation: which operation, on which path, a plain message and the errno behind it.
package struct FileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The operation that failed, compared by value (extensible: a caller may name its own).
    package struct Operation: Hashable, Sendable, CustomStringConvertible {
        package var rawValue: String
        package init(_ rawValue: String) { self.rawValue = rawValue }
        package var description: String { rawValue }

        package static let open = Operation("open")
        package static let read = Operation("read")
        package static let write = Operation("write")
        package static let sync = Operation("fsync")
        package static let rename = Operation("rename")
        package static let list = Operation("list")
        package static let createDirectory = Operation("createDirectory")
        package static let crossDevice = Operation("crossDevice")
        package static let notRegular = Operation("notRegular")
    }

    package var operation: Operation
    package var message: String
    package var path: String
    /// The errno reported by the failing call, when there was one.
    package var errno: Int32?

    package init(_ operation: Operation, _ message: String, path: String, errno: Int32? = nil) {
        self.operation = operation
        self.message = message
        self.path = path
        self.errno = errno
    }

    /// Builds an error from the current `errno` right after a failed system call.
    package static func system(_ operation: Operation, _ message: String, path: String, errno err: Int32 = Glibc.errno)
        -> FileError
    {
        FileError(operation, message, path: path, errno: err)
    }

    /// "message: path (strerror)"; the text operators see in logs and in a failed job's error.
    package var description: String {
        var text = "\(message): \(path)"
        if let errno { text += " (\(String(cString: strerror(errno))))" }
        return text
    }
}
