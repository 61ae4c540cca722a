/// Why `spool tools update` or `rollback` stopped: a plain message that names the thing and what to do.
package struct ToolsError: Error, CustomStringConvertible, Sendable {
    package var message: String

    package init(_ message: String) { self.message = message }

    package var description: String { message }
}
