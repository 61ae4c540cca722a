import Foundation
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolService

/// Start-up's status-file recovery against a real store: the clean-stop marker and the full check.
@Suite("StatusRebuilder")
struct StatusRebuilderTests {
    /// Ingests one batch of two jobs (which writes their status files); returns the job IDs and batch ID.
    func ingestBatch(_ h: ServiceHarness) async throws -> (jobs: [String], batch: String) {
        var ingestor = h.ingestor
        ingestor.checkNetwork = false
        try writeText(
            h.paths.inbox + "/b.json",
            #"{"jobs": [{"url": "https://example.com/a"}, {"url": "https://example.com/b"}]}"#)
        let outcome = try #require(await ingestor.ingest(names: ["b.json"]).first)
        guard case .accepted(let batchID, let jobIDs) = outcome else { throw NotAccepted(outcome: outcome) }
        return (jobIDs, batchID)
    }

    struct NotAccepted: Error {
        var outcome: Ingestor.Outcome
    }

    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test("after a clean stop the marker is valid and a deleted status file is written again, byte for byte")
    func missingAfterCleanStop() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let (jobs, batch) = try await ingestBatch(h)
            let rebuilder = StatusRebuilder(status: h.status, logger: quietLogger)
            let jobFile = h.paths.jobStatus(jobs[0])
            let batchFile = h.paths.batchStatus(batch)
            let (jobBytes, batchBytes) = (try #require(bytes(jobFile)), try #require(bytes(batchFile)))
            await rebuilder.markCleanShutdown()
            #expect(FileManager.default.fileExists(atPath: h.paths.cleanShutdownMarker))
            try FileManager.default.removeItem(atPath: jobFile)
            try FileManager.default.removeItem(atPath: batchFile)

            let marker = await rebuilder.consumeMarker()
            #expect(marker == .valid)
            #expect(!FileManager.default.fileExists(atPath: h.paths.cleanShutdownMarker))
            try await rebuilder.rebuild(marker: marker)
            #expect(bytes(jobFile) == jobBytes)
            #expect(bytes(batchFile) == batchBytes)
        }
    }

    @Test("after a crash (no marker) a stale status file is rewritten from the database")
    func staleAfterCrash() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let (jobs, _) = try await ingestBatch(h)
            let rebuilder = StatusRebuilder(status: h.status, logger: quietLogger)
            let jobFile = h.paths.jobStatus(jobs[1])
            let expected = try #require(bytes(jobFile))
            try writeText(jobFile, #"{"status": "Processing"}"# + "\n")

            let marker = await rebuilder.consumeMarker()
            #expect(marker == .absent)
            try await rebuilder.rebuild(marker: marker)
            #expect(bytes(jobFile) == expected)
        }
    }
}
