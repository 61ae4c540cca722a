// Bucket publishing when things go wrong (docs/publishing.md): refused credentials, a server that goes away
// during an upload, and a cancel during a slow multipart upload.

import Foundation
import Testing

@Suite("End to end: bucket failures (SeaweedFS)", .serialized, .timeLimit(.minutes(8)))
struct PublishFailureEndToEndTests {
    @Test(
        "wrong secret: Failed at once with a plain sentence, local file kept, bucket empty, no secret written; retry/ with the right one completes",
        bucketToolsTrait)
    func wrongSecret() async throws {
        try requireMachine(hasBucketTools, "weed, rclone and curl are needed (scripts/ensure-deps.sh)")
        let lab = try await sharedLab()
        let server = try SeaweedFS()
        try await server.start()
        let wrong = "wrong-" + UUID().uuidString
        let spool = try publishingRoot("publish-wrong-secret", server, extra: ["retries": "2"])
        spool.environment = ["AWS_ACCESS_KEY_ID": server.accessKey, "AWS_SECRET_ACCESS_KEY": wrong]
        try spool.start()
        try spool.drop("w.json", batchJSON(folder: "w", jobs: [(lab.url("clipA.mp4"), "clip")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("w")
        _ = try await spool.finishedBatch(batchID, timeout: 120)
        let job = try #require(spool.job(jobIDs[0]))
        #expect(job["status"] as? String == "Failed", "\(job)")
        let message = try #require(job["error"] as? String)
        #expect(message.contains("bucket media") && message.contains("credentials"), "\(message)")
        #expect(!message.lowercased().contains("rclone") && !message.contains("\n"), "\(message)")
        #expect(job["error_type"] as? String == "error")
        #expect(jsonInt(job["download_retries"]) == 0, "refused credentials are not retried")
        let kept = spool.dir("out").appendingPathComponent("w/clip.mp4")
        #expect(FileManager.default.fileExists(atPath: kept.path), "the verified local file is kept")
        #expect(try server.objects().isEmpty, "nothing in the bucket")
        #expect(try server.multipartUploads().isEmpty)
        let failures = try await waitFor("metrics.prom to count the failure", timeout: 20, on: spool) {
            metricValue(spool, "spool_upload_failures_total").flatMap { $0 > 0 ? $0 : nil }
        }
        #expect(failures == 1)
        try await spool.stop()
        // Neither secret in any file spool wrote: status files, receipts, the database, the log.
        for file in listFilesRecursively(spool.base) {
            let data = try Data(contentsOf: spool.base.appendingPathComponent(file))
            for secret in [wrong, server.secretKey] {
                #expect(data.range(of: Data(secret.utf8)) == nil, "\(file) holds a secret")
            }
        }

        spool.environment = server.credentials
        try spool.start()
        _ = FileManager.default.createFile(
            atPath: spool.dir("retry").appendingPathComponent(jobIDs[0]).path, contents: nil)
        let batch = try await waitFor("the retry to finish", timeout: 120, on: spool) { () -> [String: Any]? in
            guard let b = spool.batch(batchID), (b["job_ids"] as? [String])?.count == 2,
                b["status"] as? String == "finished"
            else { return nil }
            return b
        }
        let retried = try #require((batch["job_ids"] as? [String])?.last)
        let (done, file) = try spool.completedOutput(retried)
        #expect(done["original_job_id"] as? String == jobIDs[0])
        #expect(done["s3_key"] as? String == "spool/w/clip.mp4")
        #expect(try server.get("spool/w/clip.mp4") == (try Data(contentsOf: file)))
        try await spool.stop()
        try await server.stop()
    }

    @Test(
        "the server stops during an upload and comes back within the retry window: Completed, upload_retries ≥ 1",
        bucketToolsTrait)
    func serverRestart() async throws {
        try requireMachine(hasBucketTools, "weed, rclone and curl are needed (scripts/ensure-deps.sh)")
        let lab = try await sharedLab()
        let big = try bigBucketClip(lab)
        let server = try SeaweedFS()
        try await server.start()
        let spool = try publishingRoot(
            "publish-restart", server,
            // One PUT streamed at the bandwidth limit: a request is in flight for the whole upload, so the kill
            // below always breaks one. (A multipart upload reads each 5 MiB part before sending it, and a
            // restart between two parts' requests goes unnoticed.)
            extra: ["retries": "6", "retry_base_delay_s": "1", "s3_upload_cutoff_bytes": "104857600"])
        // rclone's own bandwidth limit (a real rclone flag, set through its environment) makes the upload slow.
        spool.environment["RCLONE_BWLIMIT"] = "1M"
        try spool.start()
        try spool.drop("r.json", batchJSON(folder: "r", jobs: [(big, "big")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("r")
        let id = jobIDs[0]
        _ = try await waitFor("the upload to run", timeout: 120, on: spool) { () -> Bool? in
            guard let job = spool.job(id), job["step"] as? String == "Uploading",
                let progress = job["progress"] as? [String: Any], jsonInt(progress["downloaded_bytes"]) ?? 0 > 0
            else { return nil }
            return true
        }
        // Killed, not stopped: a graceful stop lets the upload in flight finish first, and nothing would fail.
        server.kill()
        try await Task.sleep(nanoseconds: 1_000_000_000)
        try await server.start()
        _ = try await spool.finishedBatch(batchID, timeout: 180)
        let (job, file) = try spool.completedOutput(id)
        #expect((jsonInt(job["upload_retries"]) ?? 0) >= 1, "\(job)")
        #expect(try server.get("spool/r/big.mp4") == (try Data(contentsOf: file)))
        try await spool.stop()
        try await server.stop()
    }

    @Test(
        "cancel/ during a slow multipart upload: Failed/Cancelled, no object, no multipart upload left",
        bucketToolsTrait)
    func cancelUpload() async throws {
        try requireMachine(hasBucketTools, "weed, rclone and curl are needed (scripts/ensure-deps.sh)")
        let lab = try await sharedLab()
        let big = try bigBucketClip(lab)
        let server = try SeaweedFS()
        try await server.start()
        let spool = try publishingRoot("publish-cancel", server, extra: ["s3_upload_cutoff_bytes": "1048576"])
        spool.environment["RCLONE_BWLIMIT"] = "512k"
        try spool.start()
        try spool.drop("c.json", batchJSON(folder: "c", jobs: [(big, "big")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("c")
        let id = jobIDs[0]
        _ = try await waitFor("a multipart upload in flight", timeout: 120, interval: 0.3, on: spool) { () -> Bool? in
            guard spool.job(id)?["step"] as? String == "Uploading", try !server.multipartUploads().isEmpty else {
                return nil
            }
            return true
        }
        _ = FileManager.default.createFile(atPath: spool.dir("cancel").appendingPathComponent(id).path, contents: nil)
        _ = try await spool.finishedBatch(batchID, timeout: 60)
        let job = try #require(spool.job(id))
        #expect(job["status"] as? String == "Failed")
        #expect(job["step"] as? String == "Cancelled")
        #expect(try server.objects().isEmpty, "no object")
        let left = try await waitFor("the multipart upload to be aborted", timeout: 20, on: spool) { () -> [String]? in
            let uploads = try server.multipartUploads()
            return uploads.isEmpty ? uploads : nil
        }
        #expect(left.isEmpty)
        try await spool.stop()
        try await server.stop()
    }

    @Test(
        "SIGTERM during a slow multipart upload: no upload left, the job back to Pending; the next start completes it",
        bucketToolsTrait)
    func sigtermDuringUpload() async throws {
        try requireMachine(hasBucketTools, "weed, rclone and curl are needed (scripts/ensure-deps.sh)")
        let lab = try await sharedLab()
        let big = try bigBucketClip(lab)
        let server = try SeaweedFS()
        try await server.start()
        let spool = try publishingRoot("publish-sigterm", server, extra: ["s3_upload_cutoff_bytes": "1048576"])
        spool.environment["RCLONE_BWLIMIT"] = "512k"
        try spool.start()
        try spool.drop("t.json", batchJSON(folder: "t", jobs: [(big, "big")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("t")
        let id = jobIDs[0]
        _ = try await waitFor("a multipart upload in flight", timeout: 120, interval: 0.3, on: spool) { () -> Bool? in
            guard spool.job(id)?["step"] as? String == "Uploading", try !server.multipartUploads().isEmpty else {
                return nil
            }
            return true
        }
        let seconds = try await spool.stop()
        #expect(seconds < 10, "stopped within 10 s: \(seconds)")
        #expect(spool.job(id)?["status"] as? String == "Pending", "\(spool.job(id) ?? [:])")
        #expect(try server.multipartUploads().isEmpty, "the multipart upload was aborted")
        #expect(try server.objects().isEmpty, "no partial object")
        spool.environment["RCLONE_BWLIMIT"] = nil
        try spool.start()
        _ = try await spool.finishedBatch(batchID, timeout: 180)
        let (job, file) = try spool.completedOutput(id)
        #expect(job["s3_key"] as? String == "spool/t/big.mp4")
        #expect(try server.get("spool/t/big.mp4") == (try Data(contentsOf: file)))
        try await spool.stop()
        try await server.stop()
    }
}
