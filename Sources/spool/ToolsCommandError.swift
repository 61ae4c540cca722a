import ArgumentParser
import Foundation

/// A `tools` failure: printed on stderr, exit 1.
struct ToolsCommandError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

extension ToolsCommandError {
    /// Prints `error` (a ToolsError or ToolsCommandError) and gives exit 1.
    static func exit(_ error: Error) -> ExitCode {
        FileHandle.standardError.write(Data("spool tools: \(error)\n".utf8))
        return ExitCode(1)
    }
}
