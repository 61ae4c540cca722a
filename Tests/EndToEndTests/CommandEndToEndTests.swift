// The end-to-end suite's command tests: `spool validate` and `spool submit` against a real root.

import Foundation
import Testing

extension EndToEndTests {
    // 7. `spool validate`.
    @Test("spool validate accepts every sample-inbox file and rejects an invalid one, naming the fields")
    func validateCommand() async throws {
        let binary = try Paths.spoolBinary()
        let samples = listDir(Paths.sampleInbox).filter { $0.hasSuffix(".json") }
        try #require(!samples.isEmpty, "no sample-inbox/*.json in \(Paths.sampleInbox.path)")
        for name in samples {
            let path = Paths.sampleInbox.appendingPathComponent(name).path
            let result = try runCommand(binary, ["validate", path], timeout: 30)
            #expect(result.status == 0, "spool validate \(name) → \(result.status): \(result.output)")
        }
        let all = try runCommand(
            binary, ["validate"] + samples.map { Paths.sampleInbox.appendingPathComponent($0).path }, timeout: 30)
        #expect(all.status == 0, "validate all samples: \(all.output)")

        let dir = try Paths.makeTempDir("spool-e2e-validate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.json")
        try Data(
            """
            {"audio_onyl": true, "clip_start": "7", "clip_end": "5",
             "jobs": [{"url": "ftp://media.example.org/a.mp4"}]}
            """.utf8
        ).write(to: bad)
        let result = try runCommand(binary, ["validate", bad.path], timeout: 30)
        #expect(result.status != 0)
        for field in ["jobs[0].url", "audio_onyl", "clip_end"] {
            #expect(result.output.contains(field), "validate output lacks \(field): \(result.output)")
        }
    }

    // 8. `spool submit`.
    @Test("spool submit FILE --root ROOT places the batch in the inbox and the service takes it")
    func submitCommand() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("submit")
        try spool.start()
        let file = spool.base.appendingPathComponent("submitted.json")
        let text = batchJSON(folder: "e2e/submit", jobs: [(lab.url("clipB.mp4"), nil)])
        try Data(text.utf8).write(to: file)
        let result = try runCommand(
            spool.binary, ["submit", file.path, "--root", spool.root.path, "--allow-private-network"], timeout: 30)
        #expect(result.status == 0, "spool submit: \(result.output)")
        let r = try await spool.acceptedReceipt("submitted")
        let receipt = try #require(readJSON(spool.dir("receipts").appendingPathComponent("submitted.json")))
        #expect(receipt["source"] as? String == "submitted.json")
        let batch = try await spool.finishedBatch(r.batchID)
        #expect(batch["status"] as? String == "completed")
        try expectCompleted(spool, r.jobIDs[0], outputPath: "out/e2e/submit/clipB.mp4")
        let archived = try Data(contentsOf: spool.dir("archive").appendingPathComponent("\(r.batchID).json"))
        #expect(archived == Data(text.utf8))
        // Nothing of the submitted file is left in the inbox (spool may keep its own dot-directories there).
        #expect(listDir(spool.inbox).filter { $0.contains("submitted") }.isEmpty, "inbox: \(listDir(spool.inbox))")
        try await spool.stop()
    }
}
