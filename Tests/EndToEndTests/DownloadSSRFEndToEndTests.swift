import Foundation
import Testing

/// The SSRF guard runs twice: at validation and again right before the download. This proves the second one: a
/// host that resolves to a public address when the batch is validated and to 127.0.0.1 when its job starts.
@Suite("End to end: SSRF guard at download time", .serialized, .timeLimit(.minutes(3)))
struct DownloadSSRFEndToEndTests {
    static let slowHost = "slow.spool-ssrf.test"
    static let victimHost = "victim.spool-ssrf.test"
    /// TEST-NET-2 (RFC 5737): public as far as the guard is concerned, and never contacted: the held job's
    /// "download" is a stub, and the victim's host points elsewhere by the time its job runs.
    static let publicAddress = "198.51.100.7"

    static func hosts(victim: String) -> String {
        "127.0.0.1 localhost\n::1 localhost\n\(publicAddress) \(slowHost)\n\(victim) \(victimHost)\n"
    }

    /// A yt-dlp for the service: logs every call; holds a call for the slow host until `release` exists, then
    /// fails it without touching the network; runs the real yt-dlp for anything else.
    static func wrapper(in dir: URL, calls: URL, release: URL) throws -> URL {
        let real = try Paths.which("yt-dlp").path
        let script = """
            #!/bin/sh
            printf '%s\\n' "$*" >> '\(calls.path)'
            case "$*" in
              *\(slowHost)*)
                i=0
                while [ ! -e '\(release.path)' ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i+1)); done
                echo "ERROR: held by the test, never fetched" >&2
                exit 1;;
            esac
            exec '\(real)' "$@"
            """
        let url = dir.appendingPathComponent("yt-dlp-wrapper")
        try Data(script.utf8).write(to: url)
        chmod(url.path, 0o755)
        return url
    }

    /// True when the service can run in a private mount namespace here (root, `unshare -m`).
    static var canRun: Bool { PrivateHostsService.unavailableReason() == nil }

    // Skipped where the machine cannot run it, except under SPOOL_E2E_NO_SKIP=1 (CI): there it must run, and
    // fails on `requireMachine`, so a guard nobody tests cannot pass as a skip.
    @Test(
        "a host that turns into 127.0.0.1 after validation is refused at download time, nothing fetched",
        .needs(canRun, "needs root and unshare -m for a private /etc/hosts"))
    func rebindingRefusedAtDownload() async throws {
        try requireMachine(Self.canRun, PrivateHostsService.unavailableReason() ?? "")
        let lab = try await sharedLab()
        let spool = try SpoolRoot("ssrf-download", config: "{}")
        let server = try LoggingLabServer(mediaDir: lab.mediaDir, log: spool.base.appendingPathComponent("lab.log"))
        let calls = spool.base.appendingPathComponent("yt-dlp-calls")
        let release = spool.base.appendingPathComponent("release")
        let ytDlp = try Self.wrapper(in: spool.base, calls: calls, release: release)
        defer { _ = FileManager.default.createFile(atPath: release.path, contents: nil) }
        // No allow_private_network: both checks are on. One download at a time, so the victim waits in the queue.
        let config = """
            {"rescan_interval_s": 0.5, "incomplete_grace_s": 2, "retries": 0, "downloads": 1,
             "yt_dlp_path": "\(ytDlp.path)"}
            """
        try Data(config.utf8).write(to: spool.config)
        let service = try PrivateHostsService(spool, hostsText: Self.hosts(victim: Self.publicAddress))
        defer { service.stop() }
        func callLines() -> [String] {
            ((try? String(contentsOf: calls, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        // 1. The held job takes the only download slot.
        try spool.drop("held.json", batchJSON(jobs: [("http://\(Self.slowHost)/held.mp4", nil)]))
        let held = try await spool.acceptedReceipt("held")
        _ = try await waitFor("the held job's yt-dlp call", timeout: 30, on: spool) {
            callLines().contains { $0.contains(Self.slowHost) } ? true : nil
        }

        // 2. The victim is validated while its host resolves to the public address: accepted, and queued.
        let victimURL = "http://\(Self.victimHost):\(server.port)/clipA.mp4"
        try spool.drop("victim.json", batchJSON(jobs: [(victimURL, nil)]))
        let victim = try await spool.acceptedReceipt("victim")
        let queued = try #require(spool.job(victim.jobIDs[0]))
        #expect(queued["status"] as? String == "Pending", "\(queued)")

        // 3. The name now points at loopback; the slot is freed and the victim's job starts.
        try service.setHosts(Self.hosts(victim: "127.0.0.1"))
        _ = FileManager.default.createFile(atPath: release.path, contents: nil)
        _ = try await spool.finishedBatch(held.batchID, timeout: 30)
        _ = try await spool.finishedBatch(victim.batchID, timeout: 30)
        #expect(service.isRunning, "\(spool.diagnostics())")

        let job = try #require(spool.job(victim.jobIDs[0]))
        #expect(job["status"] as? String == "Failed", "\(job)")
        let error = job["error"] as? String ?? ""
        #expect(error.contains("the host \(Self.victimHost) (127.0.0.1)"), "\(error)")
        #expect(error.contains("not public, so the URL is refused"), "\(error)")
        #expect(server.requests.isEmpty, "the lab server was asked: \(server.requests)")
        #expect(!callLines().contains { $0.contains(Self.victimHost) }, "yt-dlp was run for the victim: \(callLines())")
        #expect(listFilesRecursively(spool.dir("out")).isEmpty)
    }
}
