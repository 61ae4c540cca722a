import Foundation
import Testing

/// `spool serve --scan-only`: the inbox is only listed, never watched with inotify; and the start-up log line.
@Suite("End to end: --scan-only and the start-up log", .serialized, .timeLimit(.minutes(2)))
struct ScanOnlyEndToEndTests {
    /// Long enough that a pickup by a scan cannot pass for one by inotify (milliseconds), even under load.
    static let rescanInterval = 6.0

    static let config = """
        {"rescan_interval_s": \(rescanInterval), "incomplete_grace_s": 2, "retries": 0,
         "allow_private_network": true, "log_level": "debug"}
        """

    /// Runs `spool serve` of `spool` with `extra` arguments (SpoolRoot.start takes no flags); the caller stops it.
    static func serve(_ spool: SpoolRoot, _ extra: [String]) throws -> ChildProcess {
        try ChildProcess(
            executable: spool.binary.path,
            arguments: ["serve", "--root", spool.root.path, "--config", spool.config.path] + extra,
            environment: Paths.childEnvironment, cwd: spool.base.path, logPath: spool.log.path)
    }

    static func logLines(_ spool: SpoolRoot) -> [String] {
        ((try? String(contentsOf: spool.log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Waits for the watcher's "inbox watch ready" line (from then on no event is missed) and returns it.
    static func watchReady(_ spool: SpoolRoot, _ child: ChildProcess) async throws -> String {
        try await waitFor("the inbox watch to be ready", timeout: 20, on: spool) { () -> String? in
            if !child.isRunning { throw E2EError("spool exited\n\(spool.diagnostics())") }
            return logLines(spool).first { $0.contains("msg=\"inbox watch ready\"") }
        }
    }

    /// How many inotify descriptors the service holds (its /proc/PID/fd links read `anon_inode:inotify`).
    static func inotifyDescriptors(_ child: ChildProcess) -> Int {
        let dir = "/proc/\(child.pid)/fd"
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return fds.filter {
            ((try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + $0)) ?? "").contains("inotify")
        }.count
    }

    static func stop(_ child: ChildProcess) async throws {
        child.signal(SIGTERM)
        _ = try await waitFor("serve to stop", timeout: 10) { child.isRunning ? nil : true }
    }

    /// Drops a one-job batch and returns the seconds until its accepted receipt appears.
    static func pickupSeconds(_ spool: SpoolRoot, _ lab: Lab, name: String) async throws -> Double {
        let began = Date()
        try spool.drop("\(name).json", batchJSON(jobs: [(lab.url("clipA.mp4"), nil)]))
        _ = try await spool.acceptedReceipt(name, timeout: 30)
        return Date().timeIntervalSince(began)
    }

    @Test("with --scan-only a dropped file is taken by a scan, after the scan interval, and inotify is never used")
    func scanOnlyFlag() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("scan-only", config: Self.config)
        let child = try Self.serve(spool, ["--scan-only"])
        defer {
            if child.isRunning {
                child.signal(SIGKILL)
                child.waitBlocking()
            }
        }
        let ready = try await Self.watchReady(spool, child)
        #expect(ready.contains(" inotify=off"), "\(ready)")
        let lines = Self.logLines(spool)
        #expect(
            lines.contains { $0.contains("scan-only mode: the inbox is listed periodically, inotify is off") },
            "\(spool.diagnostics())")
        #expect(lines.contains { $0.contains("msg=configuration") && $0.contains(" scan_only=true") })

        // A complete file renamed in, which inotify would report at once, waits for two scans to see it unchanged.
        let seconds = try await Self.pickupSeconds(spool, lab, name: "scanned")
        #expect(seconds >= Self.rescanInterval - 0.5, "taken after \(seconds) s: faster than a scan")
        #expect(seconds <= 3 * Self.rescanInterval + 5, "taken after \(seconds) s")
        #expect(Self.inotifyDescriptors(child) == 0, "the inbox and the control directories are only listed")
        try await Self.stop(child)
        #expect(child.exitStatus == 0)
    }

    @Test("without the flag the same file is taken at once, by inotify")
    func inotifyByDefault() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("scan-default", config: Self.config)
        let child = try Self.serve(spool, [])
        defer {
            if child.isRunning {
                child.signal(SIGKILL)
                child.waitBlocking()
            }
        }
        let ready = try await Self.watchReady(spool, child)
        #expect(ready.contains(" inotify=on"), "\(ready)")
        #expect(!Self.logLines(spool).contains { $0.contains("scan-only mode") })
        let seconds = try await Self.pickupSeconds(spool, lab, name: "watched")
        #expect(seconds < Self.rescanInterval - 1, "taken after \(seconds) s: inotify should see it at once")
        #expect(Self.inotifyDescriptors(child) >= 1, "the control of the check above: inotify descriptors are seen")
        try await Self.stop(child)
    }

    @Test("the start-up configuration line quotes each value once")
    func configurationLineQuotesOnce() async throws {
        let spool = try SpoolRoot("config-line", config: #"{"rescan_interval_s": 0.5, "name_conflict": "fail"}"#)
        let child = try Self.serve(spool, [])
        defer {
            if child.isRunning {
                child.signal(SIGKILL)
                child.waitBlocking()
            }
        }
        let line = try await waitFor("the configuration log line", timeout: 15, on: spool) { () -> String? in
            Self.logLines(spool).first { $0.contains("msg=configuration") }
        }
        // Before: ffmpeg_path="\"ffmpeg\"" (a JSON string, quoted again by logfmt).
        for field in [
            " ffmpeg_path=ffmpeg", " ffprobe_path=ffprobe", " yt_dlp_path=yt-dlp", " name_conflict=fail",
            " log_level=info", " rescan_interval_s=0.5",
        ] {
            #expect(line.contains(field), "\(field) in \(line)")
        }
        #expect(!line.contains(#"\""#), "a value is quoted twice: \(line)")
        try await Self.stop(child)
    }
}
