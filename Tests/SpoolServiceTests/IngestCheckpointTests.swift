import Foundation
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolService

/// The ingestor checkpoints the WAL once a group's receipts are out, so the next drop's commit does not.
@Suite("Ingestor: WAL checkpoint after a group")
struct IngestCheckpointTests {
    func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test("an accepted batch's pages are in the database file, not only in the WAL, when ingest returns")
    func pagesCopiedAfterGroup() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            var ingestor = h.ingestor
            ingestor.checkNetwork = false
            #expect(ingestor.checkpointer != nil)
            try ingestor.checkpointer?.checkpoint()  // the migrations' pages, so only the batch's are new
            let before = size(h.paths.database)
            let items = (0..<100).map { #"{"url": "https://example.com/v/\#($0)"}"# }.joined(separator: ",")
            try writeText(h.paths.inbox + "/big.json", #"{"jobs": [\#(items)]}"#)
            guard case .accepted = try #require(ingestor.ingest(names: ["big.json"]).first) else {
                Issue.record("not accepted")
                return
            }
            // 100 job rows with their indexes and journal entries take several 4 KiB pages; SQLite's own
            // automatic checkpoint would leave them in the WAL until it holds 1,000 pages.
            #expect(size(h.paths.database) >= before + 4 * 4096, "database file \(before) → \(size(h.paths.database))")
        }
    }
}
