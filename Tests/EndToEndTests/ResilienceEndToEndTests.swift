import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// True when this process may mount a small tmpfs (root on Linux): the disk-full test needs it.
private let canMountTmpfs: Bool = {
    guard getuid() == 0 else { return false }
    let probe = NSTemporaryDirectory() + "spool-tmpfs-probe-\(getpid())"
    try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: probe) }
    guard mount("tmpfs", probe, "tmpfs", 0, "size=64k") == 0 else { return false }
    umount(probe)
    return true
}()

@Suite("End to end: shutdown, scan-only inbox, inbox loss, full disk", .serialized, .timeLimit(.minutes(4)))
struct ResilienceEndToEndTests {
    @Test("SIGTERM with 4 jobs running: exit within 10 s, jobs Pending, no tool process left; restart completes all")
    func sigtermStopsTools() async throws {
        let lab = try await sharedLab()
        let config = """
            {"rescan_interval_s": 0.5, "retries": 0, "downloads": 4, "allow_private_network": true}
            """
        let spool = try SpoolRoot("sigterm-tools", config: config)
        try spool.start()
        let token = "slow/30000/clipB.mp4"
        try spool.drop("four.json", batchJSON(jobs: (1...4).map { (lab.url(token), "job\($0)") }))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("four")
        _ = try await waitFor("4 jobs running", timeout: 30, on: spool) {
            jobIDs.allSatisfy { spool.job($0)?["status"] as? String == "Processing" }
                && processes(mentioning: token).count >= 4 ? true : nil
        }
        let seconds = try await spool.stop()
        #expect(seconds < 10)
        #expect(spool.lastExitStatus == 0)
        #expect(processes(mentioning: token).isEmpty, "tools left: \(processes(mentioning: token))")
        for id in jobIDs {
            #expect(spool.job(id)?["status"] as? String == "Pending", "\(id): \(spool.job(id) ?? [:])")
        }
        try spool.start()
        let batch = try await spool.finishedBatch(batchID, timeout: 120)
        #expect(batch["status"] as? String == "completed")
        #expect(listFilesRecursively(spool.dir("out")).sorted() == (1...4).map { "job\($0).mp4" })
        try await spool.stop()
    }

    @Test("scan-only mode: a renamed-in file is found within two scan intervals; a growing file is read complete")
    func scanOnly() async throws {
        let lab = try await sharedLab()
        let config = """
            {"rescan_interval_s": 1, "incomplete_grace_s": 3, "retries": 0, "allow_private_network": true,
             "scan_only": true}
            """
        let spool = try SpoolRoot("scan-only", config: config)
        try spool.start()
        _ = try await waitFor("scan-only mode logged", timeout: 10, on: spool) {
            ((try? String(contentsOf: spool.log, encoding: .utf8)) ?? "").contains("scan-only mode") ? true : nil
        }
        let dropped = Date()
        try spool.drop("renamed.json", batchJSON(jobs: [(lab.url("status/404/a.mp4"), nil)]))
        _ = try await spool.acceptedReceipt("renamed", timeout: 10)
        // Found by a scan, then unchanged for one more interval: about two intervals (2 s), plus slack for two
        // busy cores (the receipt poll, the service's own scheduling).
        let pickedUp = Date().timeIntervalSince(dropped)
        #expect(pickedUp < 2.0 + 3.0, "picked up after \(pickedUp) s")

        // A file written in place, growing for longer than a scan interval, is only read once complete.
        let text = batchJSON(jobs: (1...5).map { (lab.url("status/404/g\($0).mp4"), nil) })
        let path = spool.inbox.appendingPathComponent("growing.json").path
        let data = Array(text.utf8)
        let chunk = data.count / 6 + 1
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        for start in stride(from: 0, to: data.count, by: chunk) {
            handle.write(Data(data[start..<min(start + chunk, data.count)]))
            try await Task.sleep(nanoseconds: 400_000_000)
            #expect(
                !FileManager.default.fileExists(
                    atPath: spool.dir("receipts").appendingPathComponent("growing.json").path),
                "read before the writer finished")
        }
        try handle.close()
        let (_, jobIDs) = try await spool.acceptedReceipt("growing", timeout: 15)
        #expect(jobIDs.count == 5)
        #expect(listDir(spool.dir("rejected")).isEmpty)
        try await spool.stop()
    }

    @Test("an inbox that disappears is reported and waited out, never read as deletions; work resumes")
    func inboxLoss() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("inbox-loss")
        try spool.start()
        try spool.drop("before.json", batchJSON(jobs: [(lab.url("clipA.mp4"), "before")]))
        let (first, _) = try await spool.acceptedReceipt("before")
        _ = try await spool.finishedBatch(first)
        try FileManager.default.removeItem(at: spool.inbox)
        _ = try await waitFor("the loss to be logged", timeout: 10, on: spool) {
            ((try? String(contentsOf: spool.log, encoding: .utf8)) ?? "").contains("inbox missing") ? true : nil
        }
        try spool.requireRunning()
        // Nothing that was accepted is touched.
        #expect(spool.batch(first)?["status"] as? String == "completed")
        #expect(listFilesRecursively(spool.dir("out")) == ["before.mp4"])
        try FileManager.default.createDirectory(at: spool.inbox, withIntermediateDirectories: true)
        try spool.drop("after.json", batchJSON(jobs: [(lab.url("clipB.mp4"), "after")]))
        let (second, _) = try await spool.acceptedReceipt("after", timeout: 15)
        _ = try await spool.finishedBatch(second)
        #expect(listFilesRecursively(spool.dir("out")).sorted() == ["after.mp4", "before.mp4"])
        try await spool.stop()
    }

    @Test(
        "a full disk under out/ fails the job with 'no space left on device', leaves nothing partial, and later jobs complete",
        .needs(canMountTmpfs, "needs root to mount a small tmpfs"))
    func diskFull() async throws {
        try requireMachine(canMountTmpfs, "needs root and mount(2) to mount a small tmpfs")
        let lab = try await sharedLab()
        let spool = try SpoolRoot("disk-full")
        let out = spool.dir("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try #require(mount("tmpfs", out.path, "tmpfs", 0, "size=512k") == 0)
        defer { umount2(out.path, Int32(MNT_DETACH)) }
        // Leave about 60 KB free: less than the output needs.
        try Data(count: 450 * 1024).write(to: out.appendingPathComponent("filler"))
        try spool.start()
        try spool.drop("full.json", batchJSON(jobs: [(lab.url("clipA.mp4"), "wanted")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("full")
        _ = try await spool.finishedBatch(batchID)
        let job = try #require(spool.job(jobIDs[0]))
        #expect(job["status"] as? String == "Failed", "\(job)")
        #expect((job["error"] as? String)?.lowercased().contains("no space left on device") == true, "\(job)")
        #expect(listFilesRecursively(out) == ["filler"], "partial output left: \(listFilesRecursively(out))")
        try spool.requireRunning()

        // Space is back: the same job, retried, completes.
        try FileManager.default.removeItem(at: out.appendingPathComponent("filler"))
        _ = FileManager.default.createFile(
            atPath: spool.dir("retry").appendingPathComponent(batchID).path, contents: nil)
        let batch = try await waitFor("the retried job", timeout: 60, on: spool) { () -> [String: Any]? in
            guard let b = spool.batch(batchID), (b["job_ids"] as? [String])?.count == 2,
                b["status"] as? String == "finished"
            else { return nil }
            return b
        }
        let counts = try #require(batch["counts"] as? [String: Any])
        #expect(jsonInt(counts["Completed"]) == 1, "\(batch)")
        #expect(listFilesRecursively(out) == ["wanted.mp4"])
        try await spool.stop()
    }
}
