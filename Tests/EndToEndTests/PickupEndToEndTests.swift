// The end-to-end suite's pickup test: how inbox files are noticed and read (folder-contract §2).

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension EndToEndTests {
    // 4. Pickup: slow in-place writes, dot-name + rename, and a file there before start-up.
    @Test("pickup: slow in-place write read once and complete; dot-name rename; file present at start-up")
    func pickup() async throws {
        let lab = try await sharedLab()
        // Trace logging: each inbox listing is logged ("inbox rescan"), so the test can wait for one.
        let spool = try SpoolRoot("pickup", config: traceConfig)
        let fm = FileManager.default
        try fm.createDirectory(at: spool.inbox, withIntermediateDirectories: true)

        // (c) Already in the inbox before the service starts.
        let early = batchJSON(folder: "e2e/pickup", jobs: [(lab.url("status/404/early.mp4"), nil)])
        try Data(early.utf8).write(to: spool.inbox.appendingPathComponent("early.json"))
        try spool.start()
        _ = try await spool.acceptedReceipt("early")

        // (a) Written slowly in place: open, append, close; several times; no temp name. After each piece but
        // the last, wait until spool has listed the inbox again, so that it surely saw the incomplete file.
        let slow = batchJSON(
            folder: "e2e/pickup",
            jobs: [
                (lab.url("status/404/slow1.mp4"), "slow one"), (lab.url("status/404/slow2.mp4"), "slow two"),
                (lab.url("status/404/slow3.mp4"), "slow three"),
            ])
        let slowData = Data(slow.utf8)
        let slowPath = spool.inbox.appendingPathComponent("slow.json").path
        let pieces = 4
        let step = (slowData.count + pieces - 1) / pieces
        for i in 0..<pieces {
            let chunk = slowData[(i * step)..<min(slowData.count, (i + 1) * step)]
            let fd = open(slowPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            try #require(fd >= 0, "open \(slowPath): errno \(errno)")
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            try #require(written == chunk.count)
            if i < pieces - 1 {
                let listed = rescans(spool)
                _ = try await waitFor(
                    "spool to list the inbox after piece \(i + 1)", timeout: 20, interval: 0.05, on: spool
                ) {
                    rescans(spool) > listed ? true : nil
                }
            }
        }

        // (b) Written to a dot-name, renamed in.
        let renamed = batchJSON(folder: "e2e/pickup", jobs: [(lab.url("status/404/renamed.mp4"), nil)])
        try spool.drop("renamed.json", renamed)

        let slowReceipt = try await spool.receipt("slow")
        #expect(slowReceipt["error"] == nil, "the slowly written batch was read incomplete: \(slowReceipt)")
        #expect(jsonInt(slowReceipt["total_jobs"]) == 3)
        let renamedReceipt = try await spool.acceptedReceipt("renamed")
        let earlyReceipt = try await spool.acceptedReceipt("early")
        let slowBatchID = try #require(slowReceipt["batch_id"] as? String)

        for id in [earlyReceipt.batchID, slowBatchID, renamedReceipt.batchID] {
            _ = try await spool.finishedBatch(id, timeout: 60)
        }
        // Everything written has been claimed and dealt with (a piece read early would have left a second
        // file behind to be claimed later): nothing in the inbox or in .claimed before counting.
        _ = try await waitFor("the inbox and .claimed to be empty", timeout: 30, interval: 0.1, on: spool) {
            listDir(spool.inbox).filter { $0.hasSuffix(".json") }.isEmpty
                && listDir(spool.inbox.appendingPathComponent(".claimed")).isEmpty ? true : nil
        }

        // Once each: three receipts, three archived files, three batches, nothing rejected, inbox empty.
        #expect(listDir(spool.dir("receipts")) == ["early.json", "renamed.json", "slow.json"])
        #expect(
            Set(listDir(spool.dir("archive")))
                == Set([earlyReceipt.batchID, slowBatchID, renamedReceipt.batchID].map { "\($0).json" }))
        #expect(listDir(spool.dir("batches")).count == 3)
        #expect(listDir(spool.dir("rejected")).isEmpty)
        #expect(listDir(spool.inbox).filter { $0.hasSuffix(".json") }.isEmpty, "inbox: \(listDir(spool.inbox))")
        #expect(listDir(spool.dir("jobs")).count == 5)
        let archivedSlow = try Data(contentsOf: spool.dir("archive").appendingPathComponent("\(slowBatchID).json"))
        #expect(archivedSlow == slowData)

        try await spool.stop()
    }

    // 5. Name conflicts.
}
