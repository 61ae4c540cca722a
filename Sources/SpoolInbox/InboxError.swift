import Glibc

/// The one error type of SpoolInbox: what failed, on which path, and the errno behind it.
package struct InboxError: Error, CustomStringConvertible, Sendable, Equatable {
    /// An extensible error code, compared by value.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        package var rawValue: String
        package init(_ rawValue: String) { self.rawValue = rawValue }
        package var description: String { rawValue }

        package static let open = Code("open")
        package static let read = Code("read")
        package static let write = Code("write")
        package static let sync = Code("fsync")
        package static let rename = Code("rename")
        package static let createDirectory = Code("createDirectory")
        package static let crossDevice = Code("crossDevice")
        package static let notRegular = Code("notRegular")
    }

    package var code: Code
    package var message: String
    package var path: String
    /// The errno reported by the failing call, when there was one.
    package var errno: Int32?

    package init(code: Code, message: String, path: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.errno = errno
    }

    /// Builds an error from the current `errno` right after a failed system call.
    static func system(_ code: Code, _ message: String, path: String, errno err: Int32 = Glibc.errno) -> InboxError {
        InboxError(code: code, message: message, path: path, errno: err)
    }

    package var description: String {
        var text = "\(message): \(path)"
        if let errno { text += " (\(String(cString: strerror(errno))))" }
        return text
    }
}
