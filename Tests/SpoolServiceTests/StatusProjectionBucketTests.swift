import Foundation
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolService

@Suite("StatusProjection: bucket publishing and purge/")
struct StatusProjectionBucketTests {
    let paths = SpoolPaths(root: "/srv/spool", configuration: .defaults)

    func completed(_ result: JobResult) -> JobRecord {
        var j = JobRecord(
            id: "0190a5c2-0000-7000-8000-000000000001", batchId: "0190a5c2-0000-7000-8000-0000000000aa", position: 0,
            url: "https://example.com/v", filename: nil, folder: "pub", options: JobOptions(), createdAt: 1_000)
        j.status = .completed
        j.step = .finished
        j.result = result
        return j
    }

    func file(_ job: JobRecord) throws -> [String: Any] {
        let data = try StatusProjection.encode(StatusProjection.job(job, paths: paths))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    var local: JobResult {
        var r = JobResult()
        r.s3Key = "pub/a.mp4"
        r.subtitleKeys = ["pub/a.en.vtt"]
        r.thumbnailKey = "pub/a.jpg"
        return r
    }

    @Test("without publish_to nothing changes: file:// URLs, no upload_* fields, no file_deleted_at")
    func localUnchanged() throws {
        let doc = try file(completed(local))
        #expect(doc["s3_key"] as? String == "pub/a.mp4")
        #expect(doc["s3_url"] as? String == "file:///srv/spool/out/pub/a.mp4")
        #expect(doc["output_path"] as? String == "out/pub/a.mp4")
        for key in ["upload_speed_mbps", "upload_retries", "file_deleted_at"] { #expect(doc[key] == nil, "\(key)") }
    }

    @Test("with an upload: object keys and presigned URLs; output_path only while the local file is kept")
    func uploaded() throws {
        var r = local
        var upload = BucketUpload(bucket: "media", key: "spool/pub/a.mp4")
        upload.subtitleKeys = ["spool/pub/a.en.vtt"]
        upload.thumbnailKey = "spool/pub/a.jpg"
        upload.url = "https://s3.example/a?X-Amz-Signature=1"
        upload.subtitleURL = "https://s3.example/v?X-Amz-Signature=2"
        upload.thumbnailURL = "https://s3.example/j?X-Amz-Signature=3"
        upload.speedMbps = 12.5
        upload.retries = 2
        r.upload = upload
        let doc = try file(completed(r))
        #expect(doc["s3_key"] as? String == "spool/pub/a.mp4")
        #expect(doc["s3_url"] as? String == upload.url)
        #expect(doc["subtitle_keys"] as? [String] == ["spool/pub/a.en.vtt"])
        #expect(doc["subtitle_key"] as? String == "spool/pub/a.en.vtt")
        #expect(doc["subtitle_url"] as? String == upload.subtitleURL)
        #expect(doc["thumbnail_key"] as? String == "spool/pub/a.jpg")
        #expect(doc["thumbnail_url"] as? String == upload.thumbnailURL)
        #expect(doc["output_path"] as? String == "out/pub/a.mp4")
        #expect(doc["upload_speed_mbps"] as? Double == 12.5)
        #expect(doc["upload_retries"] as? Int == 2)
        r.upload?.keptLocal = false
        #expect(try file(completed(r))["output_path"] is NSNull)
    }

    @Test("after purge/: keys and URLs null, file_deleted_at set, the rest of the record kept")
    func purged() throws {
        var r = local
        r.title = "kept"
        r.upload = BucketUpload(bucket: "media", key: "spool/pub/a.mp4")
        r.fileDeletedAt = 1_796_000_000_000
        let doc = try file(completed(r))
        for key in ["s3_key", "s3_url", "subtitle_url", "thumbnail_url", "output_path"] {
            #expect(doc[key] is NSNull, "\(key)")
        }
        #expect(doc["file_deleted_at"] as? Int64 == 1_796_000_000_000)
        #expect(doc["title"] as? String == "kept")
        #expect(doc["status"] as? String == "Completed")
    }
}
