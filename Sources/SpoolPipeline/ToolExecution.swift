import Subprocess
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A tool while it runs, as `ToolRunner.withTool` hands it to its body: signals go to the tool's
/// whole process group, and never after the tool has been reaped (its pid could be reused).
package final class ToolExecution: Sendable {
    /// The tool's pid, which is also its process group's id (it leads its own session).
    package let processID: pid_t
    /// The pidfd: readable once the tool has exited (reaping happens only after `withTool`'s body).
    private let descriptor: Int32
    private let input: StandardInputWriter?
    private let reaped = Mutex(false)

    init(_ identifier: ProcessIdentifier, input: StandardInputWriter?) {
        processID = identifier.value
        descriptor = identifier.processDescriptor
        self.input = input
    }

    /// A process this one did not start (a yt-dlp fork server's child): `descriptor` is a pidfd opened
    /// on it, which `closeDescriptor()` closes after `markReaped()`.
    init(processID: pid_t, descriptor: Int32) {
        self.processID = processID
        self.descriptor = descriptor
        input = nil
    }

    /// Closes a pidfd this execution was given (`init(processID:descriptor:)`); after `markReaped()`.
    func closeDescriptor() {
        if descriptor >= 0 { close(descriptor) }
    }

    /// After this, no signal is sent (the runner is about to reap the tool).
    func markReaped() { reaped.withLock { $0 = true } }

    /// Sends `signal` to the tool's process group; false when the tool is gone.
    @discardableResult
    package func signal(_ signal: Int32) -> Bool {
        reaped.withLock { reaped in !reaped && kill(-processID, signal) == 0 }
    }

    /// Whether the tool itself (the group's leader) is still running.
    package var isRunning: Bool {
        reaped.withLock { reaped in
            guard !reaped else { return false }
            guard descriptor >= 0 else { return kill(processID, 0) == 0 }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            return poll(&entry, 1, 0) == 0
        }
    }

    /// Stops the tool in steps: the first step's signal now, each next one after the grace if the
    /// tool still runs, SIGKILL after the last grace. Returns at once; the steps go on in the background.
    package func stop(_ steps: [ToolStopStep]) {
        guard let first = steps.first, signal(first.signal) else { return }
        Task {
            var grace = first.grace
            for step in steps.dropFirst() {
                try? await Task.sleep(for: grace)
                guard isRunning else { return }
                signal(step.signal)
                grace = step.grace
            }
            try? await Task.sleep(for: grace)
            if isRunning { signal(SIGKILL) }
        }
    }

    /// `stop`, for a thread that must not go on before the tool has gone (a signal handler about
    /// to exit this process): waits through each grace, then SIGKILL.
    package func stopBlocking(_ steps: [ToolStopStep]) {
        for step in steps {
            guard signal(step.signal) else { return }
            if waitForExitBlocking(timeout: step.grace) { return }
        }
        if signal(SIGKILL) { waitForExitBlocking(timeout: .seconds(5)) }
    }

    /// Waits (without blocking a thread, and whether or not the calling task is cancelled) until
    /// the tool has exited or `timeout` has passed; true when it has exited.
    @discardableResult
    package func waitForExit(timeout: Duration) async -> Bool {
        await Task.detached { [self] in
            let deadline = ContinuousClock.now + timeout
            while isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            return !isRunning
        }.value
    }

    /// Blocks the calling thread until the tool has exited or `timeout` has passed (for a signal
    /// handler that must stop a child before this process exits); true when it has exited.
    @discardableResult
    package func waitForExitBlocking(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        return !isRunning
    }

    /// Closes the tool's stdin (with `inputPipe`): it reads end of file.
    package func closeInput() async {
        try? await input?.finish()
    }
}
