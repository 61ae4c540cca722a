import Foundation
import Testing

/// One download at a time, so the second job stays Pending while the first runs.
private let oneAtATime = """
    {"rescan_interval_s": 0.5, "incomplete_grace_s": 2, "retries": 0, "downloads": 1, "allow_private_network": true}
    """

/// `node` in job status files on a single SQLite node (folder-contract §5): the configured `node_name`
/// (`SPOOL_NODE_NAME`) from the job's start on and kept once it ends; `null` while Pending, and again
/// after a shutdown puts a running job back in the queue.
@Suite("End to end: node in job status files", .serialized, .timeLimit(.minutes(4)))
struct NodeFieldEndToEndTests {
    @Test(
        "SQLite: node is SPOOL_NODE_NAME while Processing and after Completed; null while Pending and after a shutdown requeue"
    )
    func nodeOnSQLite() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("node-field", config: oneAtATime)
        spool.environment = ["SPOOL_NODE_NAME": "nf-node-1"]
        try spool.start()
        // 20 KB/s: the first download takes many seconds, so the second job is seen Pending meanwhile.
        let token = "slow/20000/clipA.mp4"
        try spool.drop(
            "n.json", batchJSON(folder: "nf", jobs: [(lab.url(token), "slow"), (lab.url("clipB.mp4"), "fast")]))
        let (batchID, jobIDs) = try await spool.acceptedReceipt("n")
        let (slow, fast) = (jobIDs[0], jobIDs[1])

        let running = try await waitFor("the slow job to be downloading", timeout: 30, on: spool) {
            spool.job(slow).flatMap { $0["step"] as? String == "Downloading" ? $0 : nil }
        }
        #expect(running["node"] as? String == "nf-node-1", "\(running)")
        let pending = try #require(spool.job(fast))
        #expect(pending["status"] as? String == "Pending", "\(pending)")
        #expect(pending.keys.contains("node") && pending["node"] is NSNull, "\(pending)")

        // A graceful stop puts the running job back in the queue: Pending again, so its node is null again.
        try await spool.stop()
        let requeued = try #require(spool.job(slow))
        #expect(requeued["status"] as? String == "Pending", "\(requeued)")
        #expect(requeued.keys.contains("node") && requeued["node"] is NSNull, "\(requeued)")

        // Restarted, both run to the end, and each keeps the node that ran it.
        try spool.start()
        let batch = try await spool.finishedBatch(batchID, timeout: 120)
        #expect(batch["status"] as? String == "completed", "\(batch) \(spool.diagnostics())")
        for id in [slow, fast] {
            let done = try #require(spool.job(id))
            #expect(done["status"] as? String == "Completed", "\(done)")
            #expect(done["node"] as? String == "nf-node-1", "\(done)")
        }
        try await spool.stop()
    }
}
