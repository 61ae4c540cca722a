// Bucket publishing: multipart uploads, and the never-overwrite rule for object keys (docs/publishing.md).

import Foundation
import Testing

@Suite("End to end: bucket multipart and names (SeaweedFS)", .serialized, .timeLimit(.minutes(6)))
struct PublishNamingEndToEndTests {
    @Test(
        "a file above s3_upload_cutoff_bytes goes up in several parts (ETag <md5>-N), verified byte for byte",
        bucketToolsTrait)
    func multipart() async throws {
        try requireMachine(hasBucketTools, "weed, rclone and curl are needed (scripts/ensure-deps.sh)")
        let lab = try await sharedLab()
        let big = try bigBucketClip(lab)
        let server = try SeaweedFS()
        try await server.start()
        let spool = try publishingRoot("publish-multipart", server, extra: ["s3_upload_cutoff_bytes": "1048576"])
        try spool.start()
        try spool.drop("mp.json", batchJSON(folder: "mp", jobs: [(big, "big")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("mp")
        _ = try await spool.finishedBatch(batchID, timeout: 180)
        let (job, file) = try spool.completedOutput(jobIDs[0])
        let local = try Data(contentsOf: file)
        #expect(local.count > 10 * 1_048_576, "the clip spans several 5 MiB parts: \(local.count) bytes")
        let key = "spool/mp/big.mp4"
        #expect(job["s3_key"] as? String == key)
        let etag = try #require(try server.etag(key))
        let parts = etag.split(separator: "-").last.flatMap { Int($0) }
        #expect(etag.contains("-") && (parts ?? 0) >= 2, "a multipart ETag: \(etag)")
        #expect(try server.get(key) == local)
        #expect(try server.multipartUploads().isEmpty, "no unfinished upload left")
        try await spool.stop()
        try await server.stop()
    }

    @Test(
        "same name twice: name.mp4 and name (2).mp4; an object put there beforehand is untouched and skipped",
        bucketToolsTrait)
    func neverOverwrite() async throws {
        try requireMachine(hasBucketTools, "weed, rclone and curl are needed (scripts/ensure-deps.sh)")
        let lab = try await sharedLab()
        let server = try SeaweedFS()
        try await server.start()
        let precious = Data("an object that was there first\n".utf8)
        try server.put("spool/pre/name.mp4", precious)
        let spool = try publishingRoot("publish-names", server)
        try spool.start()
        let receipts = try await spool.dropAll([
            ("dup", batchJSON(folder: "dup", jobs: [(lab.url("clipA.mp4"), "name"), (lab.url("clipB.mp4"), "name")])),
            ("pre", batchJSON(folder: "pre", jobs: [(lab.url("clipA.mp4"), "name")])),
        ])
        for name in ["dup", "pre"] { _ = try await spool.finishedBatch(try #require(receipts[name]).batchID) }

        let dupIDs = try #require(receipts["dup"]).jobIDs
        let keys = try dupIDs.map { try spool.completedOutput($0).job["s3_key"] as? String }
        #expect(Set(keys.compactMap { $0 }) == ["spool/dup/name.mp4", "spool/dup/name (2).mp4"], "\(keys)")
        #expect(Set(try server.objects(prefix: "spool/dup/").keys) == ["spool/dup/name.mp4", "spool/dup/name (2).mp4"])
        for id in dupIDs {
            let (job, file) = try spool.completedOutput(id)
            let key = try #require(job["s3_key"] as? String)
            #expect(try server.get(key) == (try Data(contentsOf: file)), "\(key) holds its own job's bytes")
        }

        let (preJob, preFile) = try spool.completedOutput(try #require(receipts["pre"]).jobIDs[0])
        #expect(preJob["s3_key"] as? String == "spool/pre/name (2).mp4")
        #expect(try server.get("spool/pre/name.mp4") == precious, "the existing object is untouched")
        #expect(try server.get("spool/pre/name (2).mp4") == (try Data(contentsOf: preFile)))
        let url = try #require(preJob["s3_url"] as? String)
        #expect(try server.plainGet(url).body == (try Data(contentsOf: preFile)), "the presigned URL of name (2)")
        try await spool.stop()
        try await server.stop()
    }
}
