import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The test configuration with the HTTP API on a free loopback port (`<state>/http.addr` says which).
let httpConfig = """
    {"rescan_interval_s": 0.5, "incomplete_grace_s": 2, "retries": 0, "retry_base_delay_s": 0.2,
     "allow_private_network": true, "http_listen": "127.0.0.1:0"}
    """

/// One download at a time, so a slow first job keeps the others Pending.
let httpOneAtATime = """
    {"rescan_interval_s": 0.5, "incomplete_grace_s": 2, "retries": 0, "downloads": 1,
     "allow_private_network": true, "http_listen": "127.0.0.1:0"}
    """

@Suite("End to end: the HTTP API on the real binary", .serialized, .timeLimit(.minutes(4)))
struct HTTPEndToEndTests {
    @Test("a bulk of 3 over HTTP completes: the same IDs under jobs/ and out/, GET bytes equal the files")
    func bulkCompletes() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("http-bulk", config: httpConfig)
        try spool.start()
        let http = try await SpoolHTTPClient.connect(to: spool)
        #expect(try await http.get("/healthz").status == 200)
        let body = batchJSON(
            folder: "web",
            jobs: [(lab.url("clipA.mp4"), "one"), (lab.url("clipB.mp4"), "two"), (lab.url("clipA.mp4"), "three")])
        let created = try await http.post("/jobs/bulk", body)
        #expect(created.status == 201, "\(created.text)")
        let answer = try #require(created.json)
        let batchID = try #require(answer["batch_id"] as? String)
        let jobIDs = try #require(answer["job_ids"] as? [String])
        #expect(jobIDs.count == 3)
        #expect(jsonInt(answer["total_jobs"]) == 3)
        // As a dropped file: archive copy byte for byte, a batch file, job files.
        #expect(try Data(contentsOf: spool.dir("archive").appendingPathComponent("\(batchID).json")) == Data(body.utf8))
        let batch = try await spool.finishedBatch(batchID)
        #expect(batch["status"] as? String == "completed", "\(batch)")
        for id in jobIDs {
            let job = try #require(spool.job(id))
            #expect(job["status"] as? String == "Completed")
            let key = try #require(job["s3_key"] as? String)
            #expect(FileManager.default.fileExists(atPath: spool.dir("out").appendingPathComponent(key).path))
            let fetched = try await http.get("/jobs/\(id)")
            #expect(fetched.status == 200)
            #expect(fetched.body == (try Data(contentsOf: spool.dir("jobs").appendingPathComponent("\(id).json"))))
        }
        let over = try #require(try await http.get("/batch/\(batchID)").json)
        #expect(jsonInt(over["completed_episodes"]) == 3)
        #expect(over["episode_jobs"] as? [String] == jobIDs)
        #expect(over["status"] as? String == "completed")
        let list = try #require(try await http.get("/jobs?status=completed&limit=2").json)
        #expect((list["jobs"] as? [Any])?.count == 2)
        #expect(jsonInt(list["total"]) == 3)
        try await spool.stop()
        #expect(spool.exitStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: spool.dir("state").appendingPathComponent("http.addr").path))
    }

    @Test("a batch dropped as a file is readable over HTTP, byte for byte")
    func droppedReadable() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("http-dropped", config: httpConfig)
        try spool.start()
        let http = try await SpoolHTTPClient.connect(to: spool)
        _ = try spool.drop("d.json", batchJSON(jobs: [(lab.url("clipB.mp4"), "dropped")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("d")
        _ = try await spool.finishedBatch(batchID)
        let job = try await http.get("/jobs/\(jobIDs[0])")
        #expect(job.status == 200)
        #expect(job.body == (try Data(contentsOf: spool.dir("jobs").appendingPathComponent("\(jobIDs[0]).json"))))
        let batch = try #require(try await http.get("/batches/\(batchID)").json)
        #expect(batch["batch_id"] as? String == batchID)
        #expect(batch["source"] as? String == "d.json")
        // DELETE /jobs/{id}/file removes the published output once; the job record stays.
        let key = try #require(spool.job(jobIDs[0])?["s3_key"] as? String)
        let output = spool.dir("out").appendingPathComponent(key)
        #expect(FileManager.default.fileExists(atPath: output.path))
        let deleted = try await http.request("DELETE", "/jobs/\(jobIDs[0])/file")
        #expect(deleted.status == 200, "\(deleted.text)")
        #expect(deleted.json?["deleted_key"] as? String == key)
        #expect(!FileManager.default.fileExists(atPath: output.path))
        #expect(try await http.request("DELETE", "/jobs/\(jobIDs[0])/file").status == 400)
        #expect(try await http.get("/jobs/\(jobIDs[0])").status == 200)
        try await spool.stop()
    }

    @Test("POST /metadata on a direct media file: yt-dlp's fields, duration and size from ffprobe, nothing downloaded")
    func metadata() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("http-metadata", config: httpConfig)
        try spool.start()
        let http = try await SpoolHTTPClient.connect(to: spool)
        let answer = try await http.post("/metadata", #"{"url": "\#(lab.url("clipA.mp4"))"}"#)
        #expect(answer.status == 200, "\(answer.text)")
        let meta = try #require(answer.json)
        let keys: Set<String> = [
            "title", "duration", "width", "height", "extractor", "uploader", "thumbnail", "description", "view_count",
            "like_count", "upload_date", "filesize_approx",
        ]
        #expect(Set(meta.keys) == keys)
        let duration = try #require(meta["duration"] as? Double)
        #expect(abs(duration - 4.0) < 0.5, "duration \(duration)")
        #expect((jsonInt(meta["width"]) ?? 0) > 0)
        #expect((jsonInt(meta["filesize_approx"]) ?? 0) > 1000)
        #expect(meta["extractor"] is String)
        let missing = try await http.post("/metadata", #"{"url": "\#(lab.url("nothing-here.mp4"))"}"#)
        #expect(missing.status == 400, "\(missing.text)")
        #expect(listFilesRecursively(spool.dir("out")).isEmpty)
        try await spool.stop()
    }

    @Test("DELETE /jobs/{id} stops a running job: Failed/Cancelled, tools gone, nothing published")
    func cancelRunning() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("http-cancel", config: httpOneAtATime)
        try spool.start()
        let http = try await SpoolHTTPClient.connect(to: spool)
        let token = "slow/20000/clipA.mp4"
        let created = try #require(try await http.post("/jobs", #"{"url": "\#(lab.url(token))"}"#).json)
        let id = try #require(created["job_id"] as? String)
        _ = try await waitFor("the job to be downloading", timeout: 30, on: spool) {
            spool.job(id)?["step"] as? String == "Downloading" && !processes(mentioning: token).isEmpty ? true : nil
        }
        let cancelled = try await http.request("DELETE", "/jobs/\(id)")
        #expect(cancelled.status == 200, "\(cancelled.text)")
        #expect(cancelled.json?["message"] as? String == "Job cancelled successfully")
        let job = try await waitFor("the job to end", timeout: 20, on: spool) {
            (spool.job(id)?["status"] as? String).flatMap { $0 == "Failed" ? spool.job(id) : nil }
        }
        #expect(job["step"] as? String == "Cancelled")
        _ = try await waitFor("the tools to exit", timeout: 10, on: spool) {
            processes(mentioning: token).isEmpty ? true : nil
        }
        #expect(listFilesRecursively(spool.dir("out")).isEmpty)
        let again = try await http.request("DELETE", "/jobs/\(id)")
        #expect(again.status == 400)
        try await spool.stop()
    }

    @Test("POST /jobs/{id}/retry runs a Warning job (a 404) again as a new job")
    func retry() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("http-retry", config: httpConfig)
        try spool.start()
        let http = try await SpoolHTTPClient.connect(to: spool)
        let created = try #require(try await http.post("/jobs", #"{"url": "\#(lab.url("nothing-here.mp4"))"}"#).json)
        let id = try #require(created["job_id"] as? String)
        _ = try await waitFor("the job to end as Warning", timeout: 60, on: spool) {
            spool.job(id)?["status"] as? String == "Warning" ? true : nil
        }
        let retried = try await http.request("POST", "/jobs/\(id)/retry")
        #expect(retried.status == 201, "\(retried.text)")
        let fresh = try #require(retried.json?["job_id"] as? String)
        #expect(retried.json?["original_job_id"] as? String == id)
        let job = try await waitFor("the new job to end", timeout: 60, on: spool) {
            (spool.job(fresh)?["status"] as? String).flatMap { $0 == "Pending" || $0 == "Processing" ? nil : $0 }
        }
        #expect(job == "Warning")
        #expect(spool.job(fresh)?["original_job_id"] as? String == id)
        try await spool.stop()
    }

    @Test("idempotency: the same key over HTTP twice, then in a dropped file, names one batch")
    func idempotency() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("http-idempotency", config: httpConfig)
        try spool.start()
        let http = try await SpoolHTTPClient.connect(to: spool)
        let body = batchJSON(jobs: [(lab.url("clipA.mp4"), "once")])
        let first = try await http.post("/jobs/bulk", body, headers: ["x-idempotency-key": "nightly-7"])
        let second = try await http.post("/jobs/bulk", body, headers: ["x-idempotency-key": "nightly-7"])
        #expect(first.status == 201)
        #expect(second.status == 200)
        let batchID = try #require(first.json?["batch_id"] as? String)
        #expect(second.json?["batch_id"] as? String == batchID)
        #expect(second.json?["cached"] as? Bool == true)
        _ = try spool.drop(
            "same.json",
            batchJSON(options: [("idempotency_key", "\"nightly-7\"")], jobs: [(lab.url("clipA.mp4"), "once")]))
        let receipt = try await spool.receipt("same")
        #expect(receipt["batch_id"] as? String == batchID)
        #expect(receipt["cached"] as? Bool == true)
        #expect(listDir(spool.dir("batches")).count == 1)
        try await spool.stop()
    }

    @Test("api_keys: 401 Invalid API Key without the header, 201 with it; /healthz open; no key in the log")
    func apiKey() async throws {
        let lab = try await sharedLab()
        let config = httpConfig.replacingOccurrences(
            of: "\"http_listen\"", with: "\"api_keys\": [\"sk_e2e_secret_1\"], \"http_listen\"")
        let spool = try SpoolRoot("http-auth", config: config)
        try spool.start()
        let open = try await SpoolHTTPClient.connect(to: spool)
        #expect(try await open.get("/healthz").status == 200)
        let refused = try await open.post("/jobs/bulk", batchJSON(jobs: [(lab.url("clipA.mp4"), nil)]))
        #expect(refused.status == 401)
        #expect(refused.json?["error"] as? String == "Invalid API Key")
        let keyed = SpoolHTTPClient(base: open.base, apiKey: "sk_e2e_secret_1")
        let created = try await keyed.post("/jobs/bulk", batchJSON(jobs: [(lab.url("clipA.mp4"), nil)]))
        #expect(created.status == 201, "\(created.text)")
        try await spool.stop()
        let log = try String(contentsOf: spool.log, encoding: .utf8)
        #expect(!log.contains("sk_e2e_secret_1"))
    }
}
