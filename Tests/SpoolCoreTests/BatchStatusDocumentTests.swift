import Foundation
import Testing

@testable import SpoolCore

/// Batch status documents and receipts, encoded and compared with the bytes the JSONSerialization-based
/// encoder wrote before the documents were typed (`StatusGoldens`).
@Suite("BatchStatusDocument and receipts")
struct BatchStatusDocumentTests {
    static let batchID = "0190a0b0-0000-7000-8000-00000000000b"

    static func ids(_ count: Int) -> [String] { (0..<count).map { "0190a0b0-0000-7000-8000-00000000001\($0)" } }

    static func batch(
        _ jobs: Int, _ counts: [JobStatus: Int], progress: Int, status: BatchStatusDocument.Status,
        finishedAt: Int64? = nil, folder: String? = nil
    ) -> BatchStatusDocument {
        var tally = BatchStatusDocument.Counts()
        for (status, n) in counts { tally[status] = n }
        return BatchStatusDocument(
            batchId: batchID, source: "night run.json", createdAt: 1_700_000_000_000, jobIds: ids(jobs),
            folder: folder, counts: tally, progress: progress, status: status, finishedAt: finishedAt)
    }

    /// The documents of `StatusGoldens.batches`, by name.
    static let batches: [String: BatchStatusDocument] = [
        "empty": batch(0, [:], progress: 0, status: .processing),
        "processing": batch(
            3, [.pending: 1, .processing: 1, .completed: 1], progress: 33, status: .processing, folder: "shows/2026"),
        "completed": batch(2, [.completed: 2], progress: 100, status: .completed, finishedAt: 1_700_000_005_000),
        "finishedFromJobs": batch(
            4, [.completed: 1, .warning: 1, .failed: 1, .skipped: 1], progress: 100, status: .finished,
            finishedAt: 1_700_000_001_003),
        "finishedUnknown": batch(1, [.failed: 1], progress: 100, status: .finished),
        "thirds": batch(3, [.completed: 1, .pending: 2], progress: 33, status: .processing),
    ]

    static let problems = [
        FieldError(field: "jobs[3].url", message: "only http and https URLs are accepted: \"ftp://x/y\""),
        FieldError(field: "clip_end", message: "must be greater than clip_start\n(5 ≥ 3)"),
    ]

    /// The receipts of `StatusGoldens.receipts`, by name.
    static let receipts: [String: any Codable & Sendable] = [
        "accepted": Receipt(batchId: batchID, jobIds: ids(2), source: "night run.json"),
        "cached": Receipt(batchId: batchID, jobIds: ids(2), source: "night run.json", cached: true),
        "rejected": ErrorReceipt(rejection: BatchRejection(errors: problems), source: "bad/one.json"),
        "rejectedEmpty": ErrorReceipt(rejection: BatchRejection(errors: []), source: "x.json"),
        "control": ErrorReceipt(error: "no job or batch has the ID abc; second", source: "cancel/abc"),
    ]

    @Test("every batch state encodes to the bytes written before the documents were typed")
    func batchGoldens() throws {
        #expect(Set(Self.batches.keys) == Set(StatusGoldens.batches.keys))
        for (name, document) in Self.batches {
            let bytes = try StatusJSONEncoder.encode(document)
            #expect(String(decoding: bytes, as: UTF8.self) == StatusGoldens.batches[name].map { $0 + "\n" }, "\(name)")
            #expect(try JSONDecoder().decode(BatchStatusDocument.self, from: bytes) == document, "\(name)")
        }
    }

    @Test("every receipt kind encodes to the bytes written before the receipts were typed")
    func receiptGoldens() throws {
        #expect(Set(Self.receipts.keys) == Set(StatusGoldens.receipts.keys))
        for (name, receipt) in Self.receipts {
            let bytes = try StatusJSONEncoder.encode(receipt)
            #expect(String(decoding: bytes, as: UTF8.self) == StatusGoldens.receipts[name].map { $0 + "\n" }, "\(name)")
        }
    }

    @Test("receipts decode back: an accepted one as Receipt, a rejection as ErrorReceipt only")
    func receiptsDecode() throws {
        let cached = Receipt(batchId: Self.batchID, jobIds: Self.ids(2), source: "a.json", cached: true)
        #expect(try JSONDecoder().decode(Receipt.self, from: try StatusJSONEncoder.encode(cached)) == cached)
        let accepted = Receipt(batchId: Self.batchID, jobIds: [], source: "a.json")
        #expect(try JSONDecoder().decode(Receipt.self, from: try StatusJSONEncoder.encode(accepted)) == accepted)
        let rejected = ErrorReceipt(rejection: BatchRejection(errors: Self.problems), source: "bad/one.json")
        let bytes = try StatusJSONEncoder.encode(rejected)
        #expect(try JSONDecoder().decode(ErrorReceipt.self, from: bytes) == rejected)
        #expect((try? JSONDecoder().decode(Receipt.self, from: bytes)) == nil)
    }

    @Test("finished_at is absent while processing, null once done but unknown")
    func finishedAt() throws {
        func object(_ name: String) throws -> [String: Any] {
            let data = try StatusJSONEncoder.encode(try #require(Self.batches[name]))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        #expect(try object("thirds")["finished_at"] == nil)
        #expect(try object("finishedUnknown")["finished_at"] is NSNull)
        #expect(try object("empty")["folder"] is NSNull)
    }
}
