import Foundation
import Subprocess
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Where a tool's stdout and stderr go.
package enum ToolOutput: Sendable {
    /// Stdout lines to the caller's `onLine`; stderr's last lines kept for `ToolResult.stderrTail`.
    case lines
    /// Both appended to a log file (the CLI's long-running children).
    case appending(to: String)
    /// Both where this process's go (a CLI step whose tool prints its own errors).
    case inherited
}

/// The one way spool starts a process: in its own session (so its process group holds the tool
/// and everything it starts), counted in `RunningTools`, never through a shell.
///
/// Cancelling the calling task stops the whole group: SIGINT, then SIGTERM, then SIGKILL (folder-contract §7),
/// so yt-dlp's ffmpeg child cannot outlive a cancel; once the tool itself is gone, whatever is left
/// of its group is killed. The child starts with an empty signal mask and default signal
/// dispositions (swift-subprocess resets both between fork and exec), so it can always be stopped.
package struct ToolRunner: Sendable {
    package var interruptGrace: Duration
    package var terminateGrace: Duration
    /// Where started and ended processes are counted.
    package var running: RunningTools
    /// Variables set on top of the inherited environment (rclone is configured this way: no config file).
    package var environment: [String: String] = [:]
    /// Runs yt-dlp in a fork of a warm helper when the daemon has turned it on (nil: always exec).
    package var forkServer: YtDlpForkServer? = .shared

    package init(
        interruptGrace: Duration = .seconds(3), terminateGrace: Duration = .seconds(2),
        running: RunningTools = .shared
    ) {
        self.interruptGrace = interruptGrace
        self.terminateGrace = terminateGrace
        self.running = running
    }

    /// `environment` as swift-subprocess takes it.
    private var extraEnvironment: [Environment.Key: String?] {
        var pairs: [Environment.Key: String?] = [:]
        for (name, value) in environment { if let key = Environment.Key(rawValue: name) { pairs[key] = value } }
        return pairs
    }

    /// The stop on cancellation: SIGINT, SIGTERM after `interruptGrace`, SIGKILL after `terminateGrace`.
    package var cancelSequence: [ToolStopStep] {
        [ToolStopStep(SIGINT, then: interruptGrace), ToolStopStep(SIGTERM, then: terminateGrace)]
    }

    /// Runs `tool` to its end and returns how it ended; stdout lines go to `onLine`.
    package func run(
        _ tool: String, arguments: [String], workingDirectory: String? = nil,
        onLine: @escaping @Sendable (String) async -> Void = { _ in }
    ) async throws -> ToolResult {
        try await withTool(tool, arguments: arguments, workingDirectory: workingDirectory, onLine: onLine) { _ in }
            .result
    }

    /// Starts `tool`, runs `body` while it runs, then waits for it to end.
    ///
    /// `body` gets the running process (to signal it, stop it, close its stdin); returning from
    /// `body` does not stop the tool. Stdout lines go to `onLine` (with `.lines`); each stderr line
    /// goes to `onStderrLine`, which says whether it belongs in the tail (default: every non-empty
    /// line). Throws when the tool cannot be started, or what `body` throws (the tool is stopped).
    package func withTool<Value: Sendable>(
        _ tool: String, arguments: [String], workingDirectory: String? = nil,
        output: ToolOutput = .lines, inputPipe: Bool = false,
        onLine: @escaping @Sendable (String) async -> Void = { _ in },
        onStderrLine: (@Sendable (String) async -> Bool)? = nil,
        _ body: (ToolExecution) async throws -> Value
    ) async throws -> (value: Value, result: ToolResult) {
        if case .lines = output, !inputPipe, let forkServer, let helper = forkServer.helper(for: tool) {
            running.started(tool)
            defer { running.ended(tool) }
            if let run = try await forkServer.run(
                on: helper, arguments: arguments, workingDirectory: workingDirectory, cancelSequence: cancelSequence,
                onLine: onLine, onStderrLine: onStderrLine ?? { !$0.isEmpty }, body)
            {
                return run
            }
        }
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = cancelSequence.map {
            .send(signal: Signal(rawValue: $0.signal), toProcessGroup: true, allowedDurationToNextStep: $0.grace)
        }
        let configuration = Configuration(
            executable: tool.contains("/") ? .path(FilePath(tool)) : .name(tool), arguments: Arguments(arguments),
            environment: .inherit.updating(extraEnvironment),
            workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: options)
        let streams = ToolStreams(onLine: onLine, onStderrLine: onStderrLine ?? { !$0.isEmpty })
        running.started(tool)
        defer { running.ended(tool) }
        let (value, tail, status) = try await launch(configuration, output: output, inputPipe: inputPipe) {
            try await streams.run($0, body)
        }
        var result = ToolResult(exitCode: nil, signal: nil, stderrTail: tail, cancelled: Task.isCancelled)
        switch status {
        case .exited(let code): result.exitCode = code
        case .signaled(let sig): result.signal = sig
        }
        return (value, result)
    }

    /// The swift-subprocess call for each way of wiring the tool's I/O.
    private func launch<Value: Sendable>(
        _ configuration: Configuration, output: ToolOutput, inputPipe: Bool,
        _ body: (ToolWiring) async throws -> (Value, [String])
    ) async throws -> (Value, [String], TerminationStatus) {
        switch (output, inputPipe) {
        case (.lines, false):
            let r = try await Subprocess.run(configuration, input: .none, output: .sequence, error: .sequence) {
                try await body(ToolWiring($0.processIdentifier, stdout: $0.standardOutput, stderr: $0.standardError))
            }
            return (r.closureResult.0, r.closureResult.1, r.terminationStatus)
        case (.lines, true):
            let r = try await Subprocess.run(
                configuration, input: .inputWriter, output: .sequence, error: .sequence
            ) {
                try await body(
                    ToolWiring(
                        $0.processIdentifier, stdout: $0.standardOutput, stderr: $0.standardError,
                        stdin: $0.standardInputWriter))
            }
            return (r.closureResult.0, r.closureResult.1, r.terminationStatus)
        case (.appending(let log), _):
            let fd = try FileDescriptor.open(
                FilePath(log), .writeOnly, options: [.create, .append],
                permissions: [.ownerReadWrite, .groupRead, .otherRead])
            let out = FileDescriptorOutput.fileDescriptor(fd, closeAfterSpawningProcess: true)
            if inputPipe {
                let r = try await Subprocess.run(
                    configuration, input: .inputWriter, output: out, error: .combinedWithOutput
                ) { try await body(ToolWiring($0.processIdentifier, stdin: $0.standardInputWriter)) }
                return (r.closureResult.0, r.closureResult.1, r.terminationStatus)
            }
            let r = try await Subprocess.run(configuration, input: .none, output: out, error: .combinedWithOutput) {
                try await body(ToolWiring($0.processIdentifier))
            }
            return (r.closureResult.0, r.closureResult.1, r.terminationStatus)
        case (.inherited, _):
            let r = try await Subprocess.run(
                configuration, input: .none, output: .currentStandardOutput, error: .currentStandardError
            ) { try await body(ToolWiring($0.processIdentifier)) }
            return (r.closureResult.0, r.closureResult.1, r.terminationStatus)
        }
    }
}

/// One step of stopping a tool: a signal to its process group, then how long to wait for it to end.
package struct ToolStopStep: Sendable {
    package var signal: Int32
    package var grace: Duration

    package init(_ signal: Int32, then grace: Duration) {
        self.signal = signal
        self.grace = grace
    }
}
