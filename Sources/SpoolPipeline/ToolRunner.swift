import Foundation
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// How a tool run ended.
package struct ToolResult: Sendable {
    /// The exit code, or nil when a signal ended the process.
    package var exitCode: Int32?
    package var signal: Int32?
    /// The last lines the tool wrote to stderr (its error messages).
    package var stderrTail: [String]
    /// True when the calling task was cancelled while the tool ran (its process group was stopped).
    package var cancelled: Bool

    package var succeeded: Bool { exitCode == 0 && !cancelled }
}

/// Runs one external tool in its own session (process group), streaming stdout lines to a handler.
///
/// Never uses a shell. Cancelling the calling task stops the whole group: SIGINT, then SIGTERM,
/// then SIGKILL (SPEC §7), so yt-dlp's ffmpeg child cannot outlive a cancel.
package struct ToolRunner: Sendable {
    package var interruptGrace: Duration
    package var terminateGrace: Duration

    package init(interruptGrace: Duration = .seconds(3), terminateGrace: Duration = .seconds(2)) {
        self.interruptGrace = interruptGrace
        self.terminateGrace = terminateGrace
    }

    package func run(
        _ tool: String, arguments: [String], workingDirectory: String? = nil,
        onLine: @escaping @Sendable (String) async -> Void = { _ in }
    ) async throws -> ToolResult {
        let executable: Executable = tool.contains("/") ? .path(FilePath(tool)) : .name(tool)
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [
            .send(signal: .interrupt, toProcessGroup: true, allowedDurationToNextStep: interruptGrace),
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: terminateGrace),
        ]
        let result = try await Subprocess.run(
            executable, arguments: Arguments(arguments), environment: .inherit,
            workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: options,
            input: .none, output: .sequence, error: .string(limit: 4 << 20)
        ) { execution in
            for try await line in execution.standardOutput.strings() {
                await onLine(line.trimmingCharacters(in: .newlines))
            }
        }
        let stderr = result.standardError ?? ""
        let tail = stderr.split(whereSeparator: \.isNewline).suffix(20).map(String.init)
        var exitCode: Int32?
        var signal: Int32?
        switch result.terminationStatus {
        case .exited(let code): exitCode = code
        case .signaled(let sig): signal = sig
        }
        return ToolResult(exitCode: exitCode, signal: signal, stderrTail: tail, cancelled: Task.isCancelled)
    }
}
