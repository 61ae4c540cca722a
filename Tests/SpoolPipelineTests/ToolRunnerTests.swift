import Foundation
import Synchronization
import Testing

@testable import SpoolPipeline

#if canImport(Glibc)
    import Glibc
#endif

/// Lines a tool wrote, gathered from the runner's handler.
private final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// True when `pid` no longer runs (absent, or a zombie nobody has reaped yet).
private func isGone(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.range(of: ") ", options: .backwards)
    else { return true }
    return stat[close.upperBound...].hasPrefix("Z")
}

/// A runner with short graces, counting into its own `RunningTools`.
private func quickRunner(_ running: RunningTools = RunningTools()) -> ToolRunner {
    ToolRunner(interruptGrace: .milliseconds(400), terminateGrace: .milliseconds(400), running: running)
}

@Suite("ToolRunner: how a tool ended")
struct ToolRunnerExitTests {
    @Test("the exit code of a tool that exits")
    func exitCode() async throws {
        let ok = try await quickRunner().run("/bin/sh", arguments: ["-c", "exit 0"])
        #expect(ok.exitCode == 0 && ok.signal == nil && ok.succeeded && !ok.cancelled)
        let failed = try await quickRunner().run("/bin/sh", arguments: ["-c", "exit 3"])
        #expect(failed.exitCode == 3 && failed.signal == nil && !failed.succeeded)
        #expect(failed.shellStatus == 3)
    }

    @Test("the signal that ended a tool, and no exit code")
    func signalExit() async throws {
        let result = try await quickRunner().run("/bin/sh", arguments: ["-c", "kill -TERM $$"])
        #expect(result.exitCode == nil)
        #expect(result.signal == SIGTERM)
        #expect(result.shellStatus == 128 + SIGTERM)
    }

    @Test("a tool that cannot be started throws and is not counted")
    func cannotStart() async throws {
        let running = RunningTools()
        await #expect(throws: (any Error).self) {
            try await quickRunner(running).run("/nonexistent/tool", arguments: [])
        }
        #expect(running.snapshot.isEmpty)
    }
}

@Suite("ToolRunner: output")
struct ToolRunnerOutputTests {
    @Test("stdout lines reach the handler while the tool still runs")
    func stdoutStreamed() async throws {
        let lines = Lines()
        let (sawRunning, result) = try await quickRunner().withTool(
            "/bin/sh", arguments: ["-c", "echo first; echo second; sleep 30; echo never"],
            onLine: { lines.append($0) }
        ) { execution -> Bool in
            let deadline = ContinuousClock.now + .seconds(10)
            while lines.all.count < 2 && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
            let running = execution.isRunning
            execution.signal(SIGTERM)
            return running
        }
        #expect(sawRunning)
        #expect(lines.all == ["first", "second"])
        #expect(result.signal == SIGTERM)
    }

    @Test("the stderr tail keeps the last 20 non-empty lines")
    func stderrTail() async throws {
        let script = "for i in $(seq 1 30); do echo line$i >&2; echo >&2; done; echo out"
        let lines = Lines()
        let result = try await quickRunner().run("/bin/sh", arguments: ["-c", script]) { lines.append($0) }
        #expect(result.stderrTail == (11...30).map { "line\($0)" })
        #expect(lines.all == ["out"])
    }

    @Test("a stderr filter decides which lines the tail keeps")
    func stderrFilter() async throws {
        let seen = Lines()
        let (_, result) = try await quickRunner().withTool(
            "/bin/sh", arguments: ["-c", "echo 'time=1' >&2; echo 'ERROR: x' >&2"],
            onStderrLine: { line in
                seen.append(line)
                return !line.hasPrefix("time=")
            }
        ) { _ in }
        #expect(seen.all == ["time=1", "ERROR: x"])
        #expect(result.stderrTail == ["ERROR: x"])
    }

    @Test("appending to a log: stdout and stderr in one file; stdin is a pipe the body closes")
    func logAndInput() async throws {
        let log = NSTemporaryDirectory() + "/spool-runner-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        try Data("before\n".utf8).write(to: URL(fileURLWithPath: log))
        let (_, result) = try await quickRunner().withTool(
            "/bin/sh", arguments: ["-c", "echo out; echo err >&2; cat; echo after"], output: .appending(to: log),
            inputPipe: true
        ) { execution in
            await execution.closeInput()
        }
        #expect(result.exitCode == 0)
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "before\nout\nerr\nafter\n")
    }

    @Test("a tool starts with an empty signal mask and default dispositions, whatever this process ignores")
    func cleanSignalState() async throws {
        let previous = signal(SIGUSR2, SIG_IGN)
        defer { signal(SIGUSR2, previous) }
        let lines = Lines()
        let result = try await quickRunner().run("/bin/cat", arguments: ["/proc/self/status"]) { lines.append($0) }
        #expect(result.exitCode == 0)
        let fields = Dictionary(
            lines.all.compactMap { line -> (String, String)? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { return nil }
                return (String(parts[0]), parts[1].trimmingCharacters(in: .whitespaces))
            }, uniquingKeysWith: { a, _ in a })
        // The standard signals 1–31 (bits 0–30); glibc's own real-time signals are not spool's concern.
        let standard: UInt64 = 0x7FFF_FFFF
        let blocked = try #require(fields["SigBlk"].flatMap { UInt64($0, radix: 16) })
        let ignored = try #require(fields["SigIgn"].flatMap { UInt64($0, radix: 16) })
        #expect(blocked & standard == 0)
        #expect(ignored & standard == 0)
    }
}

@Suite("ToolRunner: stopping", .serialized)
struct ToolRunnerStopTests {
    /// Runs `script` in a task, waits for its first stdout line, cancels the task; returns the
    /// tool's pid, the lines it printed, what the run came to and how long the stop took.
    private func cancelAfterFirstLine(_ script: String, runner: ToolRunner = quickRunner()) async throws -> (
        pid: pid_t, lines: [String], result: ToolResult?, stopTook: Duration
    ) {
        let lines = Lines()
        let pid = Mutex<pid_t>(0)
        let task = Task {
            try await runner.withTool("/bin/sh", arguments: ["-c", script], onLine: { lines.append($0) }) {
                execution in pid.withLock { $0 = execution.processID }
            }.result
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while lines.all.isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let cancelledAt = ContinuousClock.now
        task.cancel()
        let result = try? await task.value
        return (pid.withLock { $0 }, lines.all, result, ContinuousClock.now - cancelledAt)
    }

    @Test("cancelling stops the whole group: the tool and the grandchild it started are both gone")
    func cancelStopsGroup() async throws {
        // A background job of a non-interactive shell ignores SIGINT: it outlives the shell unless
        // the runner kills what is left of the group.
        let run = try await cancelAfterFirstLine("sleep 300 & echo $!; wait")
        let grandchild = try #require(run.lines.first.flatMap { pid_t($0) })
        #expect(run.pid > 0)
        #expect(await eventually(timeout: .seconds(5)) { isGone(run.pid) && isGone(grandchild) })
        if let result = run.result { #expect(result.cancelled) }
    }

    @Test("a tool that ignores SIGINT gets SIGTERM after the interrupt grace")
    func escalatesToTerm() async throws {
        let run = try await cancelAfterFirstLine("trap '' INT; echo ready; while :; do sleep 0.05; done")
        #expect(await eventually(timeout: .seconds(5)) { isGone(run.pid) })
        #expect(run.stopTook >= .milliseconds(400))
        if let result = run.result { #expect(result.signal == SIGTERM) }
    }

    @Test("a tool that ignores SIGINT and SIGTERM gets SIGKILL after both graces")
    func escalatesToKill() async throws {
        let run = try await cancelAfterFirstLine("trap '' INT TERM; echo ready; while :; do sleep 0.05; done")
        #expect(await eventually(timeout: .seconds(5)) { isGone(run.pid) })
        #expect(run.stopTook >= .milliseconds(800))
        if let result = run.result { #expect(result.signal == SIGKILL) }
    }

    @Test("stop steps: each signal to the group while the tool runs, SIGKILL at the end")
    func stopSteps() async throws {
        let lines = Lines()
        let began = ContinuousClock.now
        let (_, result) = try await quickRunner().withTool(
            "/bin/sh", arguments: ["-c", "trap 'echo int' INT; echo ready; while :; do sleep 0.05; done"],
            onLine: { lines.append($0) }
        ) { execution in
            while lines.all.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            execution.stop([
                ToolStopStep(SIGINT, then: .milliseconds(200)), ToolStopStep(SIGINT, then: .milliseconds(200)),
            ])
        }
        #expect(lines.all.filter { $0 == "int" }.count == 2)
        #expect(result.signal == SIGKILL)
        #expect(ContinuousClock.now - began >= .milliseconds(400))
    }

    @Test("RunningTools counts each running tool by name and comes back to zero")
    func countsRunningTools() async throws {
        let running = RunningTools()
        let runner = quickRunner(running)
        _ = try await runner.withTool("/bin/sleep", arguments: ["0.2"]) { _ in
            #expect(running.snapshot == ["sleep": 1])
            _ = try await runner.withTool("/bin/sleep", arguments: ["0.1"]) { _ in
                #expect(running.snapshot == ["sleep": 2])
            }
            #expect(running.snapshot == ["sleep": 1])
        }
        #expect(running.snapshot.isEmpty)
        let task = Task { try await runner.run("/bin/sleep", arguments: ["30"]) }
        #expect(await eventually(timeout: .seconds(5)) { running.snapshot == ["sleep": 1] })
        task.cancel()
        _ = try? await task.value
        #expect(running.snapshot.isEmpty)
    }
}

@Suite("ToolRunner: long lines")
struct ToolRunnerLongLineTests {
    @Test("a one-line JSON of several megabytes on stdout (yt-dlp -J) arrives whole")
    func longStdoutLine() async throws {
        let lines = Lines()
        let result = try await quickRunner().run(
            "/bin/sh", arguments: ["-c", "head -c 3000000 /dev/zero | tr '\\0' x; echo"]
        ) { lines.append($0) }
        #expect(result.exitCode == 0)
        #expect(lines.all.map(\.count) == [3_000_000])
    }
}
