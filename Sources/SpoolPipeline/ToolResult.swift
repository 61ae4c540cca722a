/// How a tool run ended.
package struct ToolResult: Sendable {
    /// The exit code, or nil when a signal ended the process.
    package var exitCode: Int32?
    package var signal: Int32?
    /// The last lines the tool wrote to stderr (its error messages).
    package var stderrTail: [String]
    /// True when the calling task was cancelled while the tool ran (its process group was stopped).
    package var cancelled: Bool

    package init(exitCode: Int32?, signal: Int32?, stderrTail: [String], cancelled: Bool) {
        self.exitCode = exitCode
        self.signal = signal
        self.stderrTail = stderrTail
        self.cancelled = cancelled
    }

    package var succeeded: Bool { exitCode == 0 && !cancelled }

    /// The shell's way of saying how a process ended: its exit code, or 128 + the signal.
    package var shellStatus: Int32 { exitCode ?? 128 + (signal ?? 0) }
}
