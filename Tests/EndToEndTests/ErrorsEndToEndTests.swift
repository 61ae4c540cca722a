// Errors and retries end to end (folder-contract §7): content failures are Warnings without retry; technical
// ones are retried with backoff (step Waiting, next_retry_at, download_retries), then Failed.

import Foundation
import Testing

let retryConfig = """
    {
      "rescan_interval_s": 0.5,
      "incomplete_grace_s": 2,
      "retries": 3,
      "retry_base_delay_s": 1,
      "socket_timeout_s": 1,
      "downloads": 5,
      "allow_private_network": true
    }
    """

@Suite("End to end: errors and retries", .serialized, .timeLimit(.minutes(5)))
struct ErrorsEndToEndTests {
    @Test(
        "404 → Warning, no retry; 500 → 3 retries then Failed; 429 → retried then Completed; a hanging server → timeout → retried → Failed"
    )
    func errorsAndRetries() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("errors", config: retryConfig)
        try spool.start()
        let tag = UUID().uuidString.prefix(8)
        let receipts = try await spool.dropAll([
            ("e404", batchJSON(folder: "errors", jobs: [(lab.url("status/404/gone.mp4"), nil)])),
            ("e500", batchJSON(folder: "errors", jobs: [(lab.url("status/500/broken.mp4"), nil)])),
            ("e429", batchJSON(folder: "errors", jobs: [(lab.url("flaky/429/1/\(tag)/\(Media.short)"), "after-429")])),
            ("hang", batchJSON(folder: "errors", jobs: [(lab.url("hang/forever.mp4"), nil)])),
        ])
        let id500 = try #require(receipts["e500"]).jobIDs[0]
        let watcher = StatusWatcher(spool.dir("jobs").appendingPathComponent("\(id500).json"))

        for name in ["e404", "e500", "e429", "hang"] {
            _ = try await spool.finishedBatch(try #require(receipts[name]).batchID, timeout: 150)
        }

        // Between tries the 500 job was Processing / Waiting with next_retry_at, not yet terminal.
        let history = watcher.stop()
        let waits = history.filter { $0["status"] as? String == "Processing" && $0["step"] as? String == "Waiting" }
        #expect(
            !waits.isEmpty,
            "the 500 job never showed Waiting: \(history.map { "\($0["status"] ?? "")/\($0["step"] ?? "")" })")
        for waiting in waits {
            let nextRetry = jsonInt(waiting["next_retry_at"])
            let createdAt = try #require(jsonInt(waiting["created_at"]), "no created_at: \(waiting)")
            #expect(nextRetry.map { $0 > createdAt } == true, "no next_retry_at: \(waiting)")
            #expect(waiting["error_type"] == nil && waiting["finished_at"] == nil, "not terminal yet: \(waiting)")
        }
        let retryTimes = Set(waits.compactMap { jsonInt($0["next_retry_at"]) })
        #expect(retryTimes.count >= 2, "a new next_retry_at for each retry: \(retryTimes)")

        let notFoundID = try #require(receipts["e404"]).jobIDs[0]
        let notFound = try #require(spool.job(notFoundID))
        #expect(notFound["status"] as? String == "Warning", "\(notFound)")
        #expect(notFound["error_type"] as? String == "warning")
        #expect(jsonInt(notFound["download_retries"]) == 0, "a 404 is not retried: \(notFound)")
        #expect(jsonInt(notFound["attempt"]) == 1, "\(notFound)")
        expectPlainSentence(notFound["error"] as? String)

        let serverError = try #require(spool.job(id500))
        #expect(serverError["status"] as? String == "Failed", "\(serverError)")
        #expect(serverError["error_type"] as? String == "error")
        #expect(jsonInt(serverError["download_retries"]) == 3, "\(serverError)")
        #expect(jsonInt(serverError["attempt"]) == 4, "\(serverError)")
        #expect(serverError["next_retry_at"] == nil)
        expectPlainSentence(serverError["error"] as? String)
        #expect((serverError["error"] as? String)?.contains("5") == true, "names the server error: \(serverError)")

        let rateLimitedID = try #require(receipts["e429"]).jobIDs[0]
        let rateLimited = try #require(spool.job(rateLimitedID))
        #expect(rateLimited["status"] as? String == "Completed", "429 then OK: \(rateLimited)")
        #expect(jsonInt(rateLimited["download_retries"]) == 1, "\(rateLimited)")
        #expect(rateLimited["output_path"] as? String == "out/errors/after-429.mp4")

        let hungID = try #require(receipts["hang"]).jobIDs[0]
        let hung = try #require(spool.job(hungID))
        #expect(hung["status"] as? String == "Failed", "\(hung)")
        #expect(hung["error_type"] as? String == "error")
        #expect(jsonInt(hung["download_retries"]) == 3, "\(hung)")
        expectPlainSentence(hung["error"] as? String)
        #expect((hung["error"] as? String)?.lowercased().contains("time") == true, "a timeout: \(hung)")

        // Failed jobs leave nothing in out/, and no scratch space behind.
        #expect(listFilesRecursively(spool.dir("out")) == ["errors/after-429.mp4"])
        _ = try await waitFor("work/ to be empty", timeout: 10, on: spool) {
            listFilesRecursively(spool.dir("work")).isEmpty ? true : nil
        }
        try await spool.stop()
    }
}
