import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Config for control tests: one job at a time, so the others stay Pending while the first runs.
private let oneAtATime = """
    {"rescan_interval_s": 0.5, "incomplete_grace_s": 2, "retries": 0, "downloads": 1, "allow_private_network": true}
    """

@Suite("End to end: cancel/ and retry/ control files", .serialized, .timeLimit(.minutes(3)))
struct ControlEndToEndTests {
    @Test("cancel/<job_id> while the download runs: tools stopped, scratch removed, Failed/Cancelled")
    func cancelRunningJob() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("cancel-running", config: oneAtATime)
        try spool.start()
        // 20 KB/s: the download takes many seconds, so the cancel lands while it runs.
        let token = "slow/20000/clipA.mp4"
        try spool.drop("c.json", batchJSON(folder: "c", jobs: [(lab.url(token), "slow")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("c")
        let id = jobIDs[0]
        _ = try await waitFor("the job to be downloading", timeout: 30, on: spool) {
            spool.job(id)?["step"] as? String == "Downloading" && !processes(mentioning: token).isEmpty ? true : nil
        }
        #expect(FileManager.default.fileExists(atPath: spool.dir("work").appendingPathComponent(id).path))

        _ = FileManager.default.createFile(atPath: spool.dir("cancel").appendingPathComponent(id).path, contents: nil)
        let job = try await waitFor("the job to end", timeout: 20, on: spool) {
            (spool.job(id)?["status"] as? String).flatMap { $0 == "Failed" ? spool.job(id) : nil }
        }
        #expect(job["step"] as? String == "Cancelled")
        #expect(job["error"] as? String == "Job cancelled by user")
        #expect(job["error_type"] as? String == "error")
        #expect(jsonInt(job["finished_at"]) != nil)
        let batch = try await spool.finishedBatch(batchID)
        #expect(batch["status"] as? String == "finished")
        // The tools are gone, the scratch space removed, nothing published, the control file consumed.
        _ = try await waitFor("the tools to exit", timeout: 10, on: spool) {
            processes(mentioning: token).isEmpty ? true : nil
        }
        #expect(!FileManager.default.fileExists(atPath: spool.dir("work").appendingPathComponent(id).path))
        #expect(listFilesRecursively(spool.dir("out")).isEmpty)
        #expect(listDir(spool.dir("cancel")).isEmpty)
        try await spool.stop()
    }

    @Test("cancel/<batch_id> ends the running job and every pending one")
    func cancelBatch() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("cancel-batch", config: oneAtATime)
        try spool.start()
        let url = lab.url("slow/20000/clipB.mp4")
        try spool.drop("b.json", batchJSON(jobs: [(url, "one"), (url, "two"), (url, "three")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("b")
        _ = try await waitFor("the first job to run", timeout: 30, on: spool) {
            spool.job(jobIDs[0])?["status"] as? String == "Processing" ? true : nil
        }
        #expect(spool.job(jobIDs[2])?["status"] as? String == "Pending")
        _ = FileManager.default.createFile(
            atPath: spool.dir("cancel").appendingPathComponent(batchID).path, contents: nil)
        let batch = try await spool.finishedBatch(batchID, timeout: 20)
        let counts = try #require(batch["counts"] as? [String: Any])
        #expect(jsonInt(counts["Failed"]) == 3, "\(counts)")
        for id in jobIDs {
            #expect(spool.job(id)?["step"] as? String == "Cancelled")
        }
        #expect(listFilesRecursively(spool.dir("out")).isEmpty)
        try await spool.stop()
    }

    @Test("cancel or retry of an unknown ID, and retry of a Completed job, get an error receipt")
    func impossibleRequests() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("control-errors")
        try spool.start()
        try spool.drop("ok.json", batchJSON(jobs: [(lab.url("clipA.mp4"), "ok")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("ok")
        _ = try await spool.finishedBatch(batchID)

        let unknown = "01234567-89ab-7def-8123-456789abcdef"
        _ = FileManager.default.createFile(
            atPath: spool.dir("cancel").appendingPathComponent(unknown).path, contents: nil)
        let receipt = try await spool.receipt(unknown)
        #expect((receipt["error"] as? String)?.contains("no job or batch") == true, "\(receipt)")

        _ = FileManager.default.createFile(
            atPath: spool.dir("retry").appendingPathComponent(jobIDs[0]).path, contents: nil)
        let retryReceipt = try await spool.receipt(jobIDs[0])
        #expect((retryReceipt["error"] as? String)?.contains("Completed") == true, "\(retryReceipt)")
        _ = try await waitFor("the control files to be consumed", timeout: 10, on: spool) {
            listDir(spool.dir("cancel")).isEmpty && listDir(spool.dir("retry")).isEmpty ? true : nil
        }
        #expect(spool.batch(batchID)?["total_jobs"].flatMap(jsonInt) == 1)
        try await spool.stop()
    }

    @Test("retry/<job_id> of a Warning job makes a new job with original_job_id, appended to the batch")
    func retryWarningJob() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("retry")
        try spool.start()
        try spool.drop("r.json", batchJSON(jobs: [(lab.url("status/404/gone.mp4"), nil)]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("r")
        _ = try await spool.finishedBatch(batchID)
        #expect(spool.job(jobIDs[0])?["status"] as? String == "Warning")

        _ = FileManager.default.createFile(
            atPath: spool.dir("retry").appendingPathComponent(batchID).path, contents: nil)
        let batch = try await waitFor("the retry job to finish", timeout: 30, on: spool) { () -> [String: Any]? in
            guard let b = spool.batch(batchID), (b["job_ids"] as? [String])?.count == 2,
                b["status"] as? String == "finished"
            else { return nil }
            return b
        }
        let ids = try #require(batch["job_ids"] as? [String])
        #expect(ids[0] == jobIDs[0])
        let retried = try #require(spool.job(ids[1]))
        #expect(retried["original_job_id"] as? String == jobIDs[0])
        #expect(retried["url"] as? String == lab.url("status/404/gone.mp4"))
        #expect(retried["status"] as? String == "Warning")
        // The original keeps its own record.
        #expect(spool.job(jobIDs[0])?["status"] as? String == "Warning")
        #expect(
            !FileManager.default.fileExists(
                atPath: spool.dir("receipts").appendingPathComponent("\(batchID).json").path))
        try await spool.stop()
    }
}
