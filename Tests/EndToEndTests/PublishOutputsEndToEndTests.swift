// Bucket publishing: side files (subtitles, thumbnail), keep_local false, and purge/ (docs/publishing.md).

import Foundation
import Testing

@Suite("End to end: bucket side files, keep_local and purge/ (SeaweedFS)", .serialized, .timeLimit(.minutes(6)))
struct PublishOutputsEndToEndTests {
    @Test(
        "subtitles and thumbnail go beside the media with working presigned URLs; purge/ deletes objects and files, clears the URLs, sets file_deleted_at",
        bucketToolsTrait)
    func sideFilesAndPurge() async throws {
        try requireMachine(hasBucketTools, "weed, rclone and curl are needed (scripts/ensure-deps.sh)")
        let lab = try await sharedLab()
        let server = try SeaweedFS()
        try await server.start()
        let spool = try publishingRoot("publish-side", server)
        try spool.start()
        try spool.drop(
            "page.json",
            batchJSON(
                folder: "pages", options: [("download_subtitles", "true"), ("download_thumbnail", "true")],
                jobs: [(lab.url(Media.page), "page")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("page")
        _ = try await spool.finishedBatch(batchID, timeout: 120)
        let id = jobIDs[0]
        let (job, _) = try spool.completedOutput(id)
        let folder = spool.dir("out").appendingPathComponent("pages")
        let names = ["page.mp4", "page.de.vtt", "page.en.vtt", "page.jpg"]
        #expect(Set(try server.objects(prefix: "spool/pages/").keys) == Set(names.map { "spool/pages/\($0)" }))
        #expect(job["subtitle_keys"] as? [String] == ["spool/pages/page.de.vtt", "spool/pages/page.en.vtt"])
        #expect(job["thumbnail_key"] as? String == "spool/pages/page.jpg")
        for (field, name) in [("s3_url", "page.mp4"), ("subtitle_url", "page.de.vtt"), ("thumbnail_url", "page.jpg")] {
            let url = try #require(job[field] as? String, "\(field) in \(job)")
            let plain = try server.plainGet(url)
            #expect(plain.status == 200, "\(field): \(plain.status)")
            #expect(plain.body == (try Data(contentsOf: folder.appendingPathComponent(name))), "\(field) bytes")
        }

        // purge/: an unknown ID gets an error receipt; the Completed job loses its outputs, keeps its record.
        let unknown = "01a22c00-0000-7000-8000-000000000000"
        _ = FileManager.default.createFile(
            atPath: spool.dir("purge").appendingPathComponent(unknown).path, contents: nil)
        let receipt = try await spool.receipt(unknown)
        #expect((receipt["error"] as? String)?.contains(unknown) == true, "\(receipt)")
        _ = FileManager.default.createFile(atPath: spool.dir("purge").appendingPathComponent(id).path, contents: nil)
        let purged = try await waitFor("the purge", timeout: 30, on: spool) { () -> [String: Any]? in
            guard let doc = spool.job(id), jsonInt(doc["file_deleted_at"]) != nil else { return nil }
            return doc
        }
        #expect(purged["status"] as? String == "Completed")
        for field in ["s3_key", "s3_url", "subtitle_url", "thumbnail_url", "output_path"] {
            #expect(purged[field] is NSNull, "\(field) cleared: \(purged[field] ?? "absent")")
        }
        #expect(try server.objects(prefix: "spool/").isEmpty, "the objects are deleted")
        #expect(listDir(folder).isEmpty, "the local files are deleted: \(listDir(folder))")
        #expect(listDir(spool.dir("purge")).isEmpty, "the control file is consumed")
        // A second purge of the same job has nothing left to delete.
        _ = FileManager.default.createFile(atPath: spool.dir("purge").appendingPathComponent(id).path, contents: nil)
        let again = try await spool.receipt(id)
        #expect((again["error"] as? String)?.contains("no files") == true, "\(again)")
        try await spool.stop()
        try await server.stop()
    }

    @Test(
        "keep_local false: the object is there, out/ holds nothing for the job, output_path is null", bucketToolsTrait)
    func dropLocal() async throws {
        try requireMachine(hasBucketTools, "weed, rclone and curl are needed (scripts/ensure-deps.sh)")
        let lab = try await sharedLab()
        let server = try SeaweedFS()
        try await server.start()
        let spool = try publishingRoot("publish-nolocal", server, extra: ["keep_local": "false"])
        try spool.start()
        try spool.drop("n.json", batchJSON(folder: "n", jobs: [(lab.url("clipB.mp4"), "clip")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("n")
        _ = try await spool.finishedBatch(batchID, timeout: 120)
        let job = try #require(spool.job(jobIDs[0]))
        #expect(job["status"] as? String == "Completed", "\(job)")
        #expect(job["s3_key"] as? String == "spool/n/clip.mp4")
        #expect(job["output_path"] is NSNull)
        let object = try server.get("spool/n/clip.mp4")
        #expect(jsonInt(job["file_size"]) == object.count)
        let plain = try server.plainGet(try #require(job["s3_url"] as? String))
        #expect(plain.body == object)
        #expect(listFilesRecursively(spool.dir("out")).isEmpty, "\(listFilesRecursively(spool.dir("out")))")
        try await spool.stop()
        #expect(listFilesRecursively(spool.dir("out")).isEmpty, "nothing reappears after a clean stop")
        try await server.stop()
    }

    @Test(
        "spool doctor checks the bucket: ok with the right credentials, FAIL naming the bucket without them",
        bucketToolsTrait)
    func doctor() async throws {
        try requireMachine(hasBucketTools, "weed, rclone and curl are needed (scripts/ensure-deps.sh)")
        let server = try SeaweedFS()
        try await server.start()
        let spool = try publishingRoot("publish-doctor", server)
        let arguments = ["doctor", "--root", spool.root.path, "--config", spool.config.path]
        let good = try runCommand(
            spool.binary, arguments, environment: Paths.childEnvironment.merging(server.credentials) { _, n in n })
        let line = good.stdout.split(separator: "\n").first { $0.contains("bucket") } ?? ""
        #expect(line.hasPrefix("ok") && line.contains("s3://media/spool"), "\(good.output)")
        #expect(try server.objects().isEmpty, "the test object is deleted again")
        let wrong = "wrong-" + UUID().uuidString
        let bad = try runCommand(
            spool.binary, arguments,
            environment: Paths.childEnvironment.merging([
                "AWS_ACCESS_KEY_ID": server.accessKey, "AWS_SECRET_ACCESS_KEY": wrong,
            ]) { _, n in n })
        let badLine = bad.stdout.split(separator: "\n").first { $0.contains("bucket") } ?? ""
        #expect(bad.status == 1)
        #expect(badLine.hasPrefix("FAIL") && badLine.contains("bucket media"), "\(bad.output)")
        #expect(!bad.output.contains(wrong) && !bad.output.contains(server.secretKey))
        try await server.stop()
    }
}
