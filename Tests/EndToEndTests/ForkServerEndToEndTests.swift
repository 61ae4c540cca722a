// The yt-dlp fork server (issue 15; docs/ytdlp-fork-server.md): yt-dlp runs in a fork of one warm Python
// helper, and cancel, shutdown, the live watchdog, a killed helper and a yt-dlp that changes on disk
// behave as with an exec'd yt-dlp. Each test first waits for the helper to be ready (it starts at the
// first download; until then spool execs), then checks the download's process is the helper's child.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The fork server on whatever the run's switches say (scripts/test.sh's second pass turns it off).
private let forkServerOn = ["SPOOL_YTDLP_FORK_SERVER": "true"]

private func forkConfig(_ extra: String = "") -> String {
    """
    {"rescan_interval_s": 0.5, "incomplete_grace_s": 2, "retries": 0, "downloads": 2,
     "allow_private_network": true, "live_reconnect_grace_s": 8\(extra.isEmpty ? "" : ", " + extra)}
    """
}

/// The pids of the helpers that said `ready` in the log, in order.
private func helperPIDs(_ spool: SpoolRoot) -> [pid_t] {
    logText(spool).split(separator: "\n").filter { $0.contains("yt-dlp fork server ready") }.compactMap { line in
        guard let range = line.range(of: #"pid=(\d+)"#, options: .regularExpression) else { return nil }
        return pid_t(line[range].dropFirst(4))
    }
}

/// The parent of process `pid` (from /proc/PID/stat), or nil when it has gone.
private func parent(of pid: pid_t) -> pid_t? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > 1 ? pid_t(fields[1]) : nil
}

private func alive(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

/// Runs one small download and waits until `count` helpers have said `ready`; their pids.
@discardableResult
private func warmUp(_ spool: SpoolRoot, _ lab: Lab, count: Int = 1, stem: String = "warm") async throws -> [pid_t] {
    try spool.drop("\(stem).json", batchJSON(folder: stem, jobs: [(lab.url("clipA.mp4"), stem)]))
    let (batchID, _) = try await spool.acceptedReceipt(stem)
    _ = try await spool.finishedBatch(batchID, timeout: 120)
    return try await waitFor("\(count) fork server(s) ready", timeout: 180, interval: 0.2, on: spool) {
        let pids = helperPIDs(spool)
        return pids.count >= count ? pids : nil
    }
}

/// yt-dlp processes working on `token` (not the ffmpeg it starts, nor a live stream's generator).
private func ytDlpProcesses(_ token: String) -> [pid_t] {
    Array(Set(processes(mentioning: token)).intersection(processes(mentioning: "yt-dlp")))
}

/// The yt-dlp process working on `token` and its parent, once it runs.
private func ytDlpChild(_ spool: SpoolRoot, _ token: String) async throws -> (pid: pid_t, parent: pid_t) {
    try await waitFor("yt-dlp to run for \(token)", timeout: 30, interval: 0.05, on: spool) {
        ytDlpProcesses(token).lazy.compactMap { pid in parent(of: pid).map { (pid, $0) } }.first
    }
}

@Suite("End to end: yt-dlp fork server", .serialized, .timeLimit(.minutes(6)))
struct ForkServerEndToEndTests {
    @Test(
        "downloads run in the helper's children: one completes, one that 404s ends as Warning from yt-dlp's exit status"
    )
    func downloadsAndExitStatus() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("fork-basic", config: forkConfig())
        try spool.start(extraEnvironment: forkServerOn)
        let helper = try await warmUp(spool, lab)[0]
        let token = "slow/200000/clipB.mp4"
        try spool.drop(
            "b.json",
            batchJSON(folder: "f", jobs: [(lab.url(token), "ok"), (lab.url("missing-\(UUID()).mp4"), "gone")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("b")
        let child = try await ytDlpChild(spool, token)
        #expect(child.parent == helper, "yt-dlp \(child.pid)'s parent is \(child.parent), not the helper \(helper)")
        _ = try await spool.finishedBatch(batchID, timeout: 90)
        let ok = try #require(spool.job(jobIDs[0]))
        #expect(ok["status"] as? String == "Completed", "\(ok)\n\(spool.diagnostics())")
        let probe = try ffprobe(try published(spool, ok))
        #expect(probe.codec("video") == "h264" && abs((probe.duration ?? 0) - Lab.clipDuration) < 0.5)
        let gone = try #require(spool.job(jobIDs[1]))
        #expect(gone["status"] as? String == "Warning", "\(gone)")
        #expect((gone["error"] as? String ?? "").contains("404"), "\(gone)")
        #expect(helperPIDs(spool) == [helper] && alive(helper))
        try await spool.stop()
        #expect(try await waitFor("the helper to exit with spool", timeout: 10) { alive(helper) ? nil : true })
    }

    @Test("cancel/<job_id> stops the helper's child and its group: Failed/Cancelled, nothing left running")
    func cancel() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("fork-cancel", config: forkConfig())
        try spool.start(extraEnvironment: forkServerOn)
        let helper = try await warmUp(spool, lab)[0]
        // 5 KB/s: the download would take far longer than the deadlines below, so only the signals end it.
        let token = "slow/5000/clipA.mp4"
        try spool.drop("c.json", batchJSON(folder: "c", jobs: [(lab.url(token), "slow")]))
        let id = try await spool.acceptedReceipt("c").jobIDs[0]
        let child = try await ytDlpChild(spool, token)
        #expect(child.parent == helper)
        #expect(getpgid(child.pid) == child.pid, "the child leads its own process group")
        _ = try await waitFor("the job to be downloading", timeout: 30, on: spool) {
            spool.job(id)?["step"] as? String == "Downloading" ? true : nil
        }
        _ = FileManager.default.createFile(atPath: spool.dir("cancel").appendingPathComponent(id).path, contents: nil)
        let job = try await waitFor("the job to end", timeout: 12, on: spool) { try terminal(spool, id) }
        #expect(job["status"] as? String == "Failed" && job["step"] as? String == "Cancelled", "\(job)")
        #expect(job["error"] as? String == "Job cancelled by user")
        _ = try await waitFor("the child to exit", timeout: 3, on: spool) {
            processes(mentioning: token).isEmpty ? true : nil
        }
        #expect(listFilesRecursively(spool.dir("out")).filter { $0.hasPrefix("c/") }.isEmpty)
        #expect(alive(helper), "the helper outlives a cancelled child")
        try await spool.stop()
    }

    @Test("SIGTERM during a recording in a helper's child: spool exits in time, the recording is kept (shutdown)")
    func shutdown() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "fork-term")
        defer { stream.stop() }
        try stream.start(runtime: 120)
        let spool = try SpoolRoot("fork-term", config: forkConfig())
        try spool.start(extraEnvironment: forkServerOn)
        let helper = try await warmUp(spool, lab)[0]
        try await stream.waitUntilLive()
        try spool.drop("t.json", batchJSON(options: liveOptions(), jobs: [(stream.url, "term")]))
        let id = try await spool.acceptedReceipt("t").jobIDs[0]
        let child = try await ytDlpChild(spool, stream.url)
        #expect(child.parent == helper)
        _ = try await waitRecorded(spool, id, atLeast: 3)
        let took = try await spool.stop(timeout: 10)
        #expect(took < 10)
        let job = try await jobAfterShutdown(spool, id, environment: forkServerOn)
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        #expect(job["stopped_reason"] as? String == "shutdown")
        try expectDecodesCleanly(try published(spool, job))
        #expect(
            try await waitFor("the recorder and the helper to exit", timeout: 10) {
                ytDlpProcesses(stream.url).isEmpty && !alive(helper) ? true : nil
            })
    }

    @Test("the live watchdog stops a stalled recording in a helper's child: Completed, stream_ended")
    func watchdog() async throws {
        let lab = try await sharedLab()
        let stream = try LiveStream(lab: lab, name: "fork-gone")
        defer { stream.stop() }
        let spool = try SpoolRoot("fork-gone", config: forkConfig())
        try spool.start(extraEnvironment: forkServerOn)
        let helper = try await warmUp(spool, lab)[0]
        try stream.start(runtime: 9, endList: false)
        try await stream.waitUntilLive(segments: 1)
        try spool.drop("g.json", batchJSON(options: liveOptions(), jobs: [(stream.url, "gone")]))
        let id = try await spool.acceptedReceipt("g").jobIDs[0]
        let child = try await ytDlpChild(spool, stream.url)
        #expect(child.parent == helper)
        try await stream.waitUntilStopped(timeout: 30)
        let stoppedAt = Date()
        let job = try await waitFor("the watchdog to end the recording", timeout: 40, interval: 0.1, on: spool) {
            try terminal(spool, id)
        }
        #expect(Date().timeIntervalSince(stoppedAt) >= 5)
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        #expect(job["stopped_reason"] as? String == "stream_ended")
        #expect((try ffprobe(try published(spool, job)).duration ?? 0) > 1)
        #expect(ytDlpProcesses(stream.url).isEmpty)
        try await spool.stop()
    }

    @Test("the helper killed mid-download: the running download still completes, the next one gets a new helper")
    func helperKilled() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("fork-killed", config: forkConfig())
        try spool.start(extraEnvironment: forkServerOn)
        let first = try await warmUp(spool, lab)[0]
        let token = "slow/60000/clipB.mp4"
        try spool.drop("k.json", batchJSON(folder: "k", jobs: [(lab.url(token), "survivor")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("k")
        let child = try await ytDlpChild(spool, token)
        #expect(child.parent == first)
        #expect(kill(first, SIGKILL) == 0)
        _ = try await spool.finishedBatch(batchID, timeout: 90)
        let job = try #require(spool.job(jobIDs[0]))
        #expect(job["status"] as? String == "Completed", "\(job)\n\(spool.diagnostics())")
        #expect(logText(spool).contains("yt-dlp fork server exited"))
        let second = try await warmUp(spool, lab, count: 2, stem: "again")[1]
        #expect(second != first)
        let next = "slow/200000/clipA.mp4"
        try spool.drop("n.json", batchJSON(folder: "n", jobs: [(lab.url(next), "next")]))
        let (nextBatch, _) = try await spool.acceptedReceipt("n")
        #expect(try await ytDlpChild(spool, next).parent == second)
        #expect(try await spool.finishedBatch(nextBatch, timeout: 90)["status"] as? String == "completed")
        try await spool.stop()
    }

    @Test("yt-dlp swapped on disk (the configured path re-pointed): the helper is replaced, the old one exits")
    func versionChange() async throws {
        let lab = try await sharedLab()
        let installed = try Paths.which("yt-dlp")
        let tools = try Paths.makeTempDir("spool-e2e-fork-tools")
        defer { try? FileManager.default.removeItem(at: tools) }
        // Two "versions": the same entry point script under two names; `current` points at one of them.
        let script = try Data(contentsOf: installed.resolvingSymlinksInPath())
        for version in ["v1", "v2"] {
            let dir = tools.appendingPathComponent(version)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try script.write(to: dir.appendingPathComponent("yt-dlp"))
            chmod(dir.appendingPathComponent("yt-dlp").path, 0o755)
        }
        let current = tools.appendingPathComponent("current")
        try FileManager.default.createSymbolicLink(atPath: current.path, withDestinationPath: "v1")
        let program = current.appendingPathComponent("yt-dlp").path
        let spool = try SpoolRoot("fork-version", config: forkConfig(#""yt_dlp_path": "\#(program)""#))
        try spool.start(extraEnvironment: forkServerOn)
        let old = try await warmUp(spool, lab)[0]
        // `spool tools update`'s switch: a new link renamed over the old one.
        let staged = tools.appendingPathComponent(".current.new")
        try FileManager.default.createSymbolicLink(atPath: staged.path, withDestinationPath: "v2")
        #expect(rename(staged.path, current.path) == 0)
        let replaced = try await warmUp(spool, lab, count: 2, stem: "after")
        #expect(replaced[1] != old)
        #expect(logText(spool).contains("yt-dlp changed on disk: replacing the fork server"))
        #expect(try await waitFor("the old helper to exit", timeout: 20) { alive(old) ? nil : true })
        let token = "slow/200000/clipB.mp4"
        try spool.drop("v.json", batchJSON(folder: "v", jobs: [(lab.url(token), "v2")]))
        let (batchID, _) = try await spool.acceptedReceipt("v")
        #expect(try await ytDlpChild(spool, token).parent == replaced[1])
        #expect(try await spool.finishedBatch(batchID, timeout: 90)["status"] as? String == "completed")
        try await spool.stop()
    }

    @Test("spool doctor says which way yt-dlp runs: the fork server for the venv's yt-dlp, exec when turned off")
    func doctor() throws {
        let spool = try Paths.spoolBinary()
        let on = try runCommand(spool, ["doctor"], environment: Paths.childEnvironment.merging(forkServerOn) { $1 })
        let onLine = on.stdout.split(separator: "\n").first { $0.contains("yt-dlp run") } ?? ""
        #expect(onLine.contains("fork server:") && onLine.contains("python"), "\(on.output)")
        var offEnvironment = Paths.childEnvironment
        offEnvironment["SPOOL_YTDLP_FORK_SERVER"] = "false"
        let off = try runCommand(spool, ["doctor"], environment: offEnvironment)
        let offLine = off.stdout.split(separator: "\n").first { $0.contains("yt-dlp run") } ?? ""
        #expect(offLine.contains("exec per download (ytdlp_fork_server is false)"), "\(off.output)")
    }
}
