import Foundation
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolService

/// The ingestor against a real store in a temporary directory: what an inbox file becomes on disk.
@Suite("Ingestor")
struct IngestorTests {
    /// A harness whose ingestor does not resolve hosts (no network in unit tests).
    func ingestor(_ h: ServiceHarness) -> Ingestor {
        var ingestor = h.ingestor
        ingestor.checkNetwork = false
        return ingestor
    }

    func drop(_ h: ServiceHarness, _ name: String, _ json: String) throws {
        try writeText(h.paths.inbox + "/" + name, json)
    }

    func receipt<T: Decodable>(_ h: ServiceHarness, _ stem: String, as type: T.Type) throws -> T {
        let data = try Data(contentsOf: URL(fileURLWithPath: h.paths.receipts + "/" + stem + ".json"))
        return try JSONDecoder().decode(T.self, from: data)
    }

    func names(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test("an accepted batch: stored, a receipt naming its jobs, job and batch status files, an archive copy")
    func accepted() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            try drop(h, "b.json", #"{"jobs": [{"url": "https://example.com/a"}, {"url": "https://example.com/b"}]}"#)
            let outcomes = await ingestor(h).ingest(names: ["b.json"])
            guard case .accepted(let batchID, let jobIDs) = try #require(outcomes.first) else {
                Issue.record("not accepted: \(outcomes)")
                return
            }
            #expect(jobIDs.count == 2)
            let receipt = try receipt(h, "b", as: Receipt.self)
            #expect(receipt == Receipt(batchId: batchID, jobIds: jobIDs, source: "b.json"))
            #expect(try h.store.jobs(batchID: batchID).map(\.id) == jobIDs)
            for id in jobIDs { #expect(FileManager.default.fileExists(atPath: h.paths.jobStatus(id))) }
            #expect(FileManager.default.fileExists(atPath: h.paths.batchStatus(batchID)))
            #expect(names(h.paths.archive) == [batchID + ".json"])
            // The inbox file and its claimed copy are both gone.
            #expect(names(h.paths.inbox).isEmpty)
            #expect(names(h.paths.claimed).isEmpty)
        }
    }

    @Test("a rejected batch: moved to rejected/, an error receipt listing the problems, nothing stored")
    func rejected() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            try drop(h, "bad.json", #"{"jobs": [{"url": "ftp://example.com/a"}]}"#)
            let outcomes = await ingestor(h).ingest(names: ["bad.json"])
            guard case .rejected(let errors) = try #require(outcomes.first) else {
                Issue.record("not rejected: \(outcomes)")
                return
            }
            #expect(!errors.isEmpty)
            let receipt = try receipt(h, "bad", as: ErrorReceipt.self)
            #expect(receipt.source == "bad.json")
            #expect(receipt.errors == errors)
            #expect(names(h.paths.rejected) == ["bad.json"])
            #expect(try h.store.batches().isEmpty)
            #expect(names(h.paths.claimed).isEmpty)
        }
    }

    @Test("a second file with the same idempotency key answers with the first batch and creates nothing")
    func idempotencyKey() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let json = #"{"jobs": [{"url": "https://example.com/a"}], "idempotency_key": "k-1"}"#
            try drop(h, "first.json", json)
            let first = await ingestor(h).ingest(names: ["first.json"])
            guard case .accepted(let batchID, let jobIDs) = try #require(first.first) else {
                Issue.record("not accepted: \(first)")
                return
            }
            try drop(h, "again.json", json)
            #expect(await ingestor(h).ingest(names: ["again.json"]) == [.cached(batchID: batchID)])
            let receipt = try receipt(h, "again", as: Receipt.self)
            #expect(receipt == Receipt(batchId: batchID, jobIds: jobIDs, source: "again.json", cached: true))
            #expect(try h.store.batches().map(\.id) == [batchID])
            #expect(names(h.paths.claimed).isEmpty)
        }
    }

    @Test("the claimed file goes only after the commit: a failed write keeps it, and start-up finds the same batch")
    func claimedKeptUntilCommitted() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            // archive/ as a plain file: the archive copy cannot be written, even as root.
            try FileManager.default.removeItem(atPath: h.paths.archive)
            try writeText(h.paths.archive, "")
            try drop(h, "b.json", #"{"jobs": [{"url": "https://example.com/a"}]}"#)
            #expect(await ingestor(h).ingest(names: ["b.json"]) == [.ignored])
            #expect(names(h.paths.claimed).count == 1)
            let stored = try h.store.batches()
            #expect(stored.count == 1)

            try FileManager.default.removeItem(atPath: h.paths.archive)
            try FileManager.default.createDirectory(atPath: h.paths.archive, withIntermediateDirectories: true)
            let recovered = await ingestor(h).recoverClaimed()
            #expect(
                recovered == [
                    .accepted(batchID: stored[0].id, jobIDs: try h.store.jobs(batchID: stored[0].id).map(\.id))
                ])
            #expect(try h.store.batches().count == 1)
            #expect(names(h.paths.claimed).isEmpty)
            #expect(try receipt(h, "b", as: Receipt.self).batchId == stored[0].id)
        }
    }
}
