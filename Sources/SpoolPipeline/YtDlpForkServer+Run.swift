import CSpoolFiles
import Foundation
import Subprocess
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension YtDlpForkServer {
    /// Runs yt-dlp with `arguments` in a child of `helper`, as `ToolRunner.withTool` runs an exec'd one:
    /// the child leads its own session (signals go to its group), stdout lines go to `onLine`, stderr
    /// lines to `onStderrLine` and the tail, cancelling the task stops the group with `cancelSequence`.
    /// Returns nil, having started nothing, when the helper cannot take the job (the caller execs).
    ///
    /// The child is the helper's, not spool's: spool watches it with a pidfd and learns its exit status
    /// on the job socket (the child's `exit N`, or the helper's `exit N`/`signal N`); the helper reaps it
    /// only once spool has closed that socket, so its pid and group are never reused under spool's signals.
    func run<Value: Sendable>(
        on helper: Helper, arguments: [String], workingDirectory: String?, cancelSequence: [ToolStopStep],
        onLine: @escaping @Sendable (String) async -> Void, onStderrLine: @escaping @Sendable (String) async -> Bool,
        _ body: (ToolExecution) async throws -> Value
    ) async throws -> (value: Value, result: ToolResult)? {
        guard
            let (job, out, err, execution) = await startChild(
                on: helper, arguments: arguments, workingDirectory: workingDirectory)
        else { return nil }
        worked()
        defer {
            execution.markReaped()
            execution.closeDescriptor()
            job.reader.cancel()
        }
        // Unstructured tasks: they read to end of file even after a cancel, as swift-subprocess's pipes do.
        let stdout = Task {
            try await Self.lines(of: out, limit: ToolStreams.stdoutLineLimit) { await onLine($0) }
        }
        let stderr = Task {
            var tail: [String] = []
            try await Self.lines(of: err, limit: ToolStreams.stderrLineLimit) { line in
                guard await onStderrLine(line) else { return }
                tail.append(line)
                if tail.count > ToolStreams.tailLength { tail.removeFirst() }
            }
            return tail
        }
        let status = Task { await job.status() }
        // Once, as swift-subprocess's teardown runs once: a second SIGINT could cut short ffmpeg's finalising.
        let stopper = StopOnce(execution, cancelSequence)
        let value: Value
        do {
            value = try await withTaskCancellationHandler {
                try await body(execution)
            } onCancel: {
                stopper.stop()
            }
        } catch {
            stopper.stop()
            await execution.waitForExit(timeout: .seconds(3600))
            execution.signal(SIGKILL)
            throw error
        }
        try await withTaskCancellationHandler {
            try await stdout.value
        } onCancel: {
            stopper.stop()
        }
        let tail = try await stderr.value
        let ended = await status.value
        if Task.isCancelled {
            // As after an exec'd tool: once it has gone, whatever is left of its group is killed.
            await execution.waitForExit(timeout: .seconds(3600))
            execution.signal(SIGKILL)
        }
        var result = ToolResult(exitCode: nil, signal: nil, stderrTail: tail, cancelled: Task.isCancelled)
        switch ended {
        case .exited(let code): result.exitCode = code
        case .signaled(let signal): result.signal = signal
        }
        return (value, result)
    }

    /// Hands the helper a job: its socket, the stdout and stderr pipes' write ends and the request;
    /// reads the child's pid, opens a pidfd on it and lets it go. Nil when any of that fails (nothing
    /// ran: a child that gets no `go` exits without starting yt-dlp).
    private func startChild(on helper: Helper, arguments: [String], workingDirectory: String?) async
        -> (JobSocket, DescriptorReader, DescriptorReader, ToolExecution)?
    {
        var pair: [Int32] = [-1, -1]
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            unavailable("socketpair failed: errno \(errno)")
            return nil
        }
        guard CSpoolFiles_pipe_cloexec(&out) == 0, CSpoolFiles_pipe_cloexec(&err) == 0 else {
            unavailable("pipe2 failed: errno \(errno)")
            for fd in pair + out + err where fd >= 0 { close(fd) }
            return nil
        }
        let request = Request(
            argv: arguments, cwd: workingDirectory ?? FileManager.default.currentDirectoryPath,
            env: ProcessInfo.processInfo.environment)
        let sent = (try? JSONEncoder().encode(request)).map {
            send(Array($0), descriptors: [pair[1], out[1], err[1]], to: helper)
        }
        // The helper has its own copies now (or never will): these ends are the child's only.
        for fd in [pair[1], out[1], err[1]] { close(fd) }
        let job = JobSocket(reader: DescriptorReader(taking: pair[0]))
        let readers = (DescriptorReader(taking: out[0]), DescriptorReader(taking: err[0]))
        func giveUp(_ reason: String) -> (JobSocket, DescriptorReader, DescriptorReader, ToolExecution)? {
            job.reader.cancel()
            readers.0.cancel()
            readers.1.cancel()
            unavailable(reason)
            return nil
        }
        guard sent == true else { return giveUp("the helper did not take the job") }
        guard let line = await Task(operation: { await job.nextLine() }).value, line.hasPrefix("pid "),
            let pid = pid_t(line.dropFirst(4))
        else { return giveUp("the helper started no child") }
        let pidfd = CSpoolFiles_pidfd_open(pid)
        guard pidfd >= 0 else { return giveUp("pidfd_open failed: errno \(errno)") }
        guard job.reader.write(Array("go\n".utf8)) else {
            close(pidfd)
            return giveUp("the child could not be started: errno \(errno)")
        }
        return (job, readers.0, readers.1, ToolExecution(processID: pid, descriptor: pidfd))
    }

    /// One job's request, as the helper reads it.
    struct Request: Encodable {
        var argv: [String]
        var cwd: String
        var env: [String: String]
    }

    /// Feeds `reader`'s lines to `handle` until end of file.
    static func lines(
        of reader: DescriptorReader, limit: Int, _ handle: (String) async throws -> Void
    ) async throws {
        var splitter = LineSplitter(limit: limit)
        for await chunk in reader.chunks {
            for line in splitter.lines(adding: chunk) { try await handle(line) }
        }
        if let last = splitter.rest() { try await handle(last) }
    }
}

/// A fork-server job's socket as spool reads it: `pid N`, then `exit N` or `signal N`.
final class JobSocket: @unchecked Sendable {
    // @unchecked: read by one task at a time (the start, then the status task).
    let reader: DescriptorReader
    private var iterator: AsyncStream<[UInt8]>.Iterator
    private var splitter = LineSplitter(limit: 4096)
    private var pending: [String] = []

    init(reader: DescriptorReader) {
        self.reader = reader
        iterator = reader.chunks.makeAsyncIterator()
    }

    /// The next line, or nil at end of file.
    func nextLine() async -> String? {
        while pending.isEmpty {
            guard let chunk = await iterator.next() else { return splitter.rest() }
            pending = splitter.lines(adding: chunk)
        }
        return pending.removeFirst()
    }

    /// How the child ended: the first `exit N` or `signal N`. At end of file without one (the helper
    /// was killed, then the child by a signal) the child is taken as killed.
    func status() async -> TerminationStatus {
        while let line = await nextLine() {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let number = Int32(parts[1]) else { continue }
            if parts[0] == "exit" { return .exited(number) }
            if parts[0] == "signal" { return .signaled(number) }
        }
        return .signaled(SIGKILL)
    }
}

/// Starts a tool's stop sequence at most once, whichever of the cancellation handlers or the error
/// path gets there first.
private final class StopOnce: Sendable {
    private let execution: ToolExecution
    private let steps: [ToolStopStep]
    private let started = Mutex(false)

    init(_ execution: ToolExecution, _ steps: [ToolStopStep]) {
        self.execution = execution
        self.steps = steps
    }

    func stop() {
        guard
            started.withLock({ started in
                defer { started = true }
                return !started
            })
        else { return }
        execution.stop(steps)
    }
}
