import Subprocess

#if canImport(Glibc)
    import Glibc
#endif

/// A started process's pipes as swift-subprocess hands them over, whichever way they are wired.
struct ToolWiring: Sendable {
    var identifier: ProcessIdentifier
    var stdout: SubprocessOutputSequence?
    var stderr: SubprocessOutputSequence?
    var stdin: StandardInputWriter?

    init(
        _ identifier: ProcessIdentifier, stdout: SubprocessOutputSequence? = nil,
        stderr: SubprocessOutputSequence? = nil, stdin: StandardInputWriter? = nil
    ) {
        self.identifier = identifier
        self.stdout = stdout
        self.stderr = stderr
        self.stdin = stdin
    }
}

/// Reads a running tool's output while the caller's body runs: stdout lines to a handler, the last
/// stderr lines kept; after a cancel, kills whatever is left of the tool's process group.
struct ToolStreams: Sendable {
    /// How many stderr lines the tail keeps (error classification reads the last few).
    static let tailLength = 20
    /// The longest line read: yt-dlp's `-J` prints its whole info JSON as one stdout line.
    static let stdoutLineLimit = 64 << 20
    static let stderrLineLimit = 4 << 20

    var onLine: @Sendable (String) async -> Void
    var onStderrLine: @Sendable (String) async -> Bool

    func run<Value: Sendable>(
        _ wiring: ToolWiring, _ body: (ToolExecution) async throws -> Value
    ) async throws -> (Value, [String]) {
        let execution = ToolExecution(wiring.identifier, input: wiring.stdin)
        defer { execution.markReaped() }
        do {
            let outcome = try await withThrowingTaskGroup(of: [String]?.self) { group in
                if let stdout = wiring.stdout {
                    group.addTask {
                        let lines = stdout.strings(bufferingPolicy: .maxLineLength(Self.stdoutLineLimit))
                        for try await line in lines { await onLine(line) }
                        return nil
                    }
                }
                if let stderr = wiring.stderr {
                    group.addTask { try await tail(of: stderr) }
                }
                let value = try await body(execution)
                var stderrTail: [String] = []
                while let lines = try await group.next() { stderrTail = lines ?? stderrTail }
                return (value, stderrTail)
            }
            if Task.isCancelled { await sweep(execution) }
            return outcome
        } catch {
            if Task.isCancelled { await sweep(execution) }
            throw error
        }
    }

    private func tail(of stderr: SubprocessOutputSequence) async throws -> [String] {
        var tail: [String] = []
        let lines = stderr.strings(bufferingPolicy: .maxLineLength(Self.stderrLineLimit))
        for try await line in lines where await onStderrLine(line) {
            tail.append(line)
            if tail.count > Self.tailLength { tail.removeFirst() }
        }
        return tail
    }

    /// After a cancel: once the tool has gone (swift-subprocess stops it: SIGINT, SIGTERM, SIGKILL),
    /// anything left in its group (a grandchild that ignored the signals) is killed too.
    private func sweep(_ execution: ToolExecution) async {
        await execution.waitForExit(timeout: .seconds(3600))
        execution.signal(SIGKILL)
    }
}
