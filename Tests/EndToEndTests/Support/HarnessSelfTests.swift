// Tests of the harness itself: what it promises the end-to-end suites (a clean environment for services,
// a lab server start-up that cannot hang, a child's whole session stopped) must fail when broken.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The harness's own promises, checked with deliberately bad children.
@Suite("End to end: the harness itself", .serialized, .timeLimit(.minutes(2)))
struct HarnessSelfTests {
    @Test("a service started by the harness does not see the host's SPOOL_* variables")
    func cleanEnvironment() async throws {
        setenv("SPOOL_DOWNLOADS", "7", 1)
        defer { unsetenv("SPOOL_DOWNLOADS") }
        try #require(ProcessInfo.processInfo.environment["SPOOL_DOWNLOADS"] == "7", "setenv did not take")
        #expect(Paths.childEnvironment.keys.filter { $0.hasPrefix("SPOOL_") }.isEmpty)

        let spool = try SpoolRoot("clean-env")
        try spool.start()
        let line = try await waitFor("the configuration log line", timeout: 20, on: spool) { () -> String? in
            try spool.requireRunning()
            let text = (try? String(contentsOf: spool.log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").first { $0.contains("msg=configuration") }.map(String.init)
        }
        let downloads = line.firstMatch(of: /\sdownloads=(\d+)/).map { String($0.1) }
        #expect(downloads != nil, "\(line)")
        #expect(downloads != "7", "the host's SPOOL_DOWNLOADS reached the service: \(line)")
        try await spool.stop()
    }

    @Test("a lab server that never prints READY fails the start-up within its deadline")
    func labServerDeadline() throws {
        let dir = try Paths.makeTempDir("spool-e2e-silent-lab")
        defer { try? FileManager.default.removeItem(at: dir) }
        let silent = dir.appendingPathComponent("silent.py")
        // Silent for 30 s, then EOF: without the deadline the start-up would wait all of it.
        try Data("import time\ntime.sleep(30)\n".utf8).write(to: silent)
        let began = Date()
        #expect(throws: E2EError.self) { try Lab.startServer(root: dir, script: silent, timeout: 2) }
        #expect(Date().timeIntervalSince(began) < 10)
    }

    @Test("killSession stops a child and what it started in another process group")
    func killSession() async throws {
        let dir = try Paths.makeTempDir("spool-e2e-session")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("child.log")
        // Like scripts/crash-trials starting `spool serve`: a grandchild in its own process group.
        let script = "import subprocess, time\nsubprocess.Popen(['sleep', '300'], process_group=0)\ntime.sleep(300)\n"
        let child = try ChildProcess(
            executable: try Paths.which("python3").path, arguments: ["-c", script],
            environment: Paths.childEnvironment, cwd: dir.path, logPath: log.path, newSession: true)
        let members = try await waitFor("the grandchild", timeout: 10) { () -> [pid_t]? in
            let m = sessionMembers(child.pid)
            return m.count >= 2 ? m : nil
        }
        #expect(members.contains(child.pid))
        child.killSession()
        let left = try await waitFor("the session to end", timeout: 10) { () -> Bool? in
            sessionMembers(child.pid).isEmpty ? true : nil
        }
        #expect(left)
        #expect(!child.isRunning)
    }
}
