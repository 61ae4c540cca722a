import Foundation
import Testing

/// `work` (issue 12): a node's scratch directory may live outside the root; jobs use it, not `<root>/work`.
@Suite("End to end: work outside the root", .serialized, .timeLimit(.minutes(3)))
struct WorkDirEndToEndTests {
    @Test(
        "work set outside the root: the job's scratch appears there during the run, nothing is left, <root>/work unused"
    )
    func workOutsideRoot() async throws {
        let lab = try await sharedLab()
        let scratch = try Paths.makeTempDir("spool-e2e-work")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let config = """
            {
              "rescan_interval_s": 0.5,
              "incomplete_grace_s": 2,
              "retries": 0,
              "allow_private_network": true,
              "work": "\(scratch.path)"
            }
            """
        let spool = try SpoolRoot("workdir", config: config)
        try spool.start()
        // ~3 s at 60 kB/s: long enough to see the scratch directory while the job runs, however loaded the machine.
        try spool.drop(
            "w.json", batchJSON(folder: "work-dir", jobs: [(lab.url("slow/60000/clipA.mp4"), "clip")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("w")
        let jobID = try #require(jobIDs.first)
        let jobScratch = scratch.appendingPathComponent(jobID)
        try await waitFor("work/\(jobID) under \(scratch.path)", timeout: 60, interval: 0.05, on: spool) {
            FileManager.default.fileExists(atPath: jobScratch.path) ? true : nil
        }
        let batch = try await spool.finishedBatch(batchID)
        #expect(batch["status"] as? String == "completed", "\(batch)")
        #expect(spool.job(jobID)?["status"] as? String == "Completed", "\(spool.job(jobID) ?? [:])")
        #expect(
            FileManager.default.fileExists(atPath: spool.dir("out").appendingPathComponent("work-dir/clip.mp4").path))

        #expect(!FileManager.default.fileExists(atPath: jobScratch.path), "the job's scratch was left behind")
        // Only the (empty) staging directory may remain: it lives here when work shares out/'s filesystem.
        let left = listFilesRecursively(scratch)
        #expect(left.isEmpty, "left in \(scratch.path): \(left)")
        #expect(listDir(scratch).allSatisfy { $0 == ".staging" }, "\(listDir(scratch))")
        #expect(!FileManager.default.fileExists(atPath: spool.dir("work").path), "<root>/work was made")
        try await spool.stop()
        #expect(!FileManager.default.fileExists(atPath: spool.dir("work").path), "<root>/work was made")
    }
}
