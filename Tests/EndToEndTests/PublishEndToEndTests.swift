// Bucket publishing (docs/publishing.md) against a real S3-compatible server: SeaweedFS on 127.0.0.1.

import Foundation
import Testing

/// The service's configuration for a bucket on `server` under `s3://media/spool`.
func publishConfig(_ server: SeaweedFS, extra: [String: String] = [:]) -> String {
    var keys = [
        "rescan_interval_s": "0.5", "incomplete_grace_s": "2", "retries": "0", "retry_base_delay_s": "0.2",
        "allow_private_network": "true", "publish_to": "\"s3://\(server.bucket)/spool\"",
        "s3_endpoint": "\"\(server.endpoint)\"",
    ]
    keys.merge(extra) { _, new in new }
    return "{" + keys.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
}

/// A spool root publishing to `server`, with the server's credentials in its environment.
func publishingRoot(_ name: String, _ server: SeaweedFS, extra: [String: String] = [:]) throws -> SpoolRoot {
    let spool = try SpoolRoot(name, config: publishConfig(server, extra: extra))
    spool.environment = server.credentials
    return spool
}

/// The machine requirement of every bucket test.
let bucketToolsTrait = ConditionTrait.needs(
    hasBucketTools, "weed, rclone or curl is missing (scripts/ensure-deps.sh installs them into .venv)")

@Suite("End to end: publishing outputs to a bucket (SeaweedFS)", .serialized, .timeLimit(.minutes(6)))
struct PublishEndToEndTests {
    @Test(
        "3 jobs, folder pub/run1: objects at spool/pub/run1/<name>.mp4 byte-identical to out/, presigned s3_url works with a plain GET",
        bucketToolsTrait)
    func threeJobs() async throws {
        try requireMachine(hasBucketTools, "weed, rclone and curl are needed (scripts/ensure-deps.sh)")
        let lab = try await sharedLab()
        let server = try SeaweedFS()
        try await server.start()
        let spool = try publishingRoot("publish-three", server)
        try spool.start()
        let names = ["alpha", "beta", "gamma"]
        let sources = [lab.url("clipA.mp4"), lab.url("clipB.mp4"), lab.url(Media.short)]
        try spool.drop(
            "run1.json", batchJSON(folder: "pub/run1", jobs: Array(zip(sources, names.map { Optional($0) }))))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("run1")
        let batch = try await spool.finishedBatch(batchID, timeout: 180)
        #expect(batch["status"] as? String == "completed", "\(batch)\n\(spool.diagnostics())")

        let objects = try server.objects(prefix: "spool/")
        #expect(Set(objects.keys) == Set(names.map { "spool/pub/run1/\($0).mp4" }), "\(objects)")
        for (id, name) in zip(jobIDs, names) {
            let (job, file) = try spool.completedOutput(id)
            let key = "spool/pub/run1/\(name).mp4"
            #expect(job["s3_key"] as? String == key)
            let local = try Data(contentsOf: file)
            #expect(file.path.hasSuffix("out/pub/run1/\(name).mp4"), "keep_local defaults to true: \(file.path)")
            #expect(try server.get(key) == local, "the object is byte-identical to out/\(name).mp4")
            let url = try #require(job["s3_url"] as? String)
            #expect(url.hasPrefix(server.endpoint + "/") && url.contains("X-Amz-Signature="), "\(url)")
            let plain = try server.plainGet(url)
            #expect(plain.status == 200, "presigned GET: \(plain.status)")
            #expect(plain.body == local, "the presigned URL gives the same bytes")
            #expect(jsonInt(job["upload_retries"]) == 0)
            #expect(jsonInt(job["upload_duration_ms"]) != nil)
            #expect((job["upload_speed_mbps"] as? Double ?? 0) > 0, "\(job)")
            #expect(jsonInt(job["file_size"]) == local.count)
        }
        // metrics.prom counts the bytes sent to the bucket (rewritten every few seconds).
        let total = objects.values.reduce(0, +)
        let counted = try await waitFor("metrics.prom to count the uploads", timeout: 20, on: spool) { () -> Double? in
            guard let value = metricValue(spool, "spool_uploaded_bytes_total"), value >= Double(total) else {
                return nil
            }
            return value
        }
        #expect(counted == Double(total), "uploaded bytes \(counted) vs objects \(total)")
        #expect(metricValue(spool, "spool_upload_failures_total") == 0)
        // Without the signature the same object is refused: the URL's signature is what grants access.
        let unsigned = try server.plainGet(server.objectURL("spool/pub/run1/alpha.mp4"))
        #expect(unsigned.status == 403, "unsigned GET: \(unsigned.status)")
        try await spool.stop()
        try await server.stop()
    }
}

/// A 3 s clip of noise (about 12 MB: incompressible, so larger than a 5 MiB multipart part) served by the lab
/// as `bucket-big.mp4`; made once per media directory.
func bigBucketClip(_ lab: Lab) throws -> String {
    let name = "bucket-big.mp4"
    let path = lab.mediaDir.appendingPathComponent(name)
    if !FileManager.default.fileExists(atPath: path.path) {
        let temp = lab.mediaDir.appendingPathComponent(".\(name).\(UUID().uuidString.prefix(6)).mp4")
        let made = try runCommand(
            try Paths.which("ffmpeg"),
            [
                "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                "color=c=gray:s=640x360:r=25:d=3,noise=alls=80:allf=t+u", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=48000:duration=3", "-c:v", "libx264", "-preset", "ultrafast", "-crf",
                "18", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-movflags", "+faststart",
                temp.path,
            ], timeout: 120)
        guard made.status == 0 else { throw E2EError("making \(name) failed: \(made.output)") }
        try FileManager.default.moveItem(at: temp, to: path)
    }
    return lab.url(name)
}

/// A sample's value in `metrics.prom` (a series without labels).
func metricValue(_ spool: SpoolRoot, _ name: String) -> Double? {
    guard let text = try? String(contentsOf: spool.url("metrics.prom"), encoding: .utf8) else { return nil }
    let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
    return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
}
