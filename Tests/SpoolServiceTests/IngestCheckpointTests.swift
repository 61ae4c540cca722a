import Foundation
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolService

/// The ingestor has the WAL checkpointed beside ingest, so a drop's commit does not checkpoint.
@Suite("Ingestor: WAL checkpoint after a group")
struct IngestCheckpointTests {
    func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test("after 1,000 committed jobs the WAL's pages are copied into the database file, beside ingest")
    func pagesCopiedAfterThreshold() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            var ingestor = h.ingestor
            ingestor.checkNetwork = false
            let checkpointer = try #require(ingestor.checkpointer)
            try checkpointer.checkpoint()  // the migrations' pages, so only the batches' are new
            let before = size(h.paths.database)
            let names = (0..<(Store.Checkpointer.jobsPerCheckpoint / 100)).map { "b\($0).json" }
            for name in names {
                let items = (0..<100).map { #"{"url": "https://example.com/\#(name)/\#($0)"}"# }
                try writeText(h.paths.inbox + "/" + name, #"{"jobs": [\#(items.joined(separator: ","))]}"#)
            }
            let outcomes = await ingestor.ingest(names: names)
            #expect(outcomes.allSatisfy { if case .accepted = $0 { true } else { false } })
            checkpointer.waitUntilIdle()
            // 1,000 job rows with their indexes and journal entries take well over 64 pages of 4 KiB; SQLite's
            // automatic checkpoint would leave them in the WAL until it holds 1,000 pages.
            #expect(size(h.paths.database) >= before + 64 * 4096, "database file \(before) → \(size(h.paths.database))")
        }
    }
}
