import Foundation
import GRDB
import SpoolCore
import Testing

@testable import SpoolStore

@Suite("Store.Startup: clean-shutdown seal, IDs, raw job decoding")
struct StoreStartupTests {
    @Test("a fresh database holds no seal")
    func noSealAtFirst() throws {
        try withTempDirectory { dir in
            let store = try Store(path: dir + "/spool.sqlite")
            try seed(store, count: 3)
            #expect(try Store.Startup(path: dir + "/spool.sqlite").unseal() == nil)
        }
    }

    @Test("seal then unseal (no write between): the same seal, and a second unseal finds none")
    func sealRoundTrip() throws {
        try withTempDirectory { dir in
            let store = try Store(path: dir + "/spool.sqlite")
            try seed(store, count: 3)
            try seed(store, count: 2)
            let sealed = try Store.Startup(path: dir + "/spool.sqlite").seal()
            #expect(sealed.jobs == 5)
            #expect(sealed.batches == 2)
            #expect(sealed.maxJobRowID >= 5)
            // Another connection, as after a restart.
            let reopened = try Store(path: dir + "/spool.sqlite")
            _ = reopened
            #expect(try Store.Startup(path: dir + "/spool.sqlite").unseal() == sealed)
            #expect(try Store.Startup(path: dir + "/spool.sqlite").unseal() == nil)
        }
    }

    @Test("every seal has a fresh token; a later seal never equals an earlier one")
    func freshTokens() throws {
        try withTempDirectory { dir in
            let store = try Store(path: dir + "/spool.sqlite")
            try seed(store, count: 1)
            let a = try Store.Startup(path: dir + "/spool.sqlite").seal()
            let b = try Store.Startup(path: dir + "/spool.sqlite").seal()
            #expect(a.token != b.token)
            #expect(try Store.Startup(path: dir + "/spool.sqlite").unseal() == b)
        }
    }

    @Test("rows added after the seal show in the unsealed counts (the marker's copy no longer matches)")
    func countsFollowInserts() throws {
        try withTempDirectory { dir in
            let store = try Store(path: dir + "/spool.sqlite")
            try seed(store, count: 2)
            let sealed = try Store.Startup(path: dir + "/spool.sqlite").seal()
            try seed(store, count: 1)
            let now = try #require(try Store.Startup(path: dir + "/spool.sqlite").unseal())
            #expect(now.token == sealed.token)
            #expect(now != sealed)
            #expect(now.jobs == 3 && now.batches == 2)
        }
    }

    @Test("ids() lists every batch and job ID")
    func ids() throws {
        try withTempDirectory { dir in
            let store = try Store(path: dir + "/spool.sqlite")
            let (b1, j1) = try seed(store, count: 3)
            let (b2, j2) = try seed(store, count: 2)
            let ids = try Store.Startup(path: dir + "/spool.sqlite").ids()
            #expect(Set(ids.batches) == [b1.id, b2.id])
            #expect(Set(ids.jobs) == Set((j1 + j2).map(\.id)))
        }
    }

    @Test("raw decoding equals the Codable records, job for job, in every state")
    func rawDecodeMatchesCodable() throws {
        try withTempDirectory { dir in
            let store = try Store(path: dir + "/spool.sqlite")
            let (_, first) = try seed(store, count: 6)
            var options = JobOptions(format: "mkv", videoCodec: "h264", audioBitrate: "128k", qualityPreset: "high")
            options.clipStart = "00:00:01"
            options.maxDuration = 60
            let batch = makeBatch(folder: "a/b")
            var jobs = makeJobs(batchID: batch.id, count: 3, options: options)
            jobs[1].originalJobId = first[0].id
            jobs[2].options.audioOnly = true
            _ = try store.createBatch(batch, jobs: jobs)

            // Processing with progress, waiting for a retry, completed with a result, failed, warning.
            var running = try #require(try store.startJob(id: first[0].id, at: 2_000))
            running.progress = JobProgress(
                percent: 12.5, downloadedBytes: 100, totalBytes: 800, speedBps: 1e6, etaSeconds: 3)
            #expect(try store.save(running))
            var waiting = try #require(try store.startJob(id: first[1].id, at: 2_000))
            waiting.state = try #require(waiting.state.apply(.retryScheduled))
            waiting.nextRetryAt = 9_000
            waiting.downloadRetries = 1
            #expect(try store.save(waiting))
            var done = try #require(try store.startJob(id: first[2].id, at: 2_000))
            done.state = try #require(done.state.apply(.complete))
            done.finishedAt = 3_000
            var result = JobResult()
            result.s3Key = "x/y.mp4"
            result.subtitleKeys = ["x/y.en.vtt"]
            result.durationSeconds = 12.25
            result.title = "Tïtle \"quoted\""
            result.fileSize = 1234
            done.result = result
            #expect(try store.save(done))
            var failed = try #require(try store.startJob(id: first[3].id, at: 2_000))
            failed.state = try #require(failed.state.apply(.fail(.warning)))
            failed.error = "The video is private."
            failed.errorType = .warning
            failed.finishedAt = 3_100
            #expect(try store.save(failed))

            // The reference: GRDB's Codable decoding, not `JobRecord.init(row:)` (which `forEachBatchOfJobs`
            // and every `JobRecord` fetch use), anchored on the records as they were saved.
            let reference = try codableJobs(store)
            #expect(reference[running.id] == running && reference[waiting.id] == waiting)
            #expect(reference[done.id] == done && reference[failed.id] == failed)
            #expect(reference.count == 9)
            var codable: [String: [JobRecord]] = [:]
            for job in reference.values.sorted(by: { ($0.batchId, $0.position) < ($1.batchId, $1.position) }) {
                codable[job.batchId, default: []].append(job)
            }
            var raw: [String: [JobRecord]] = [:]
            var batches: [BatchRecord] = []
            try Store.Startup(path: dir + "/spool.sqlite").forEachBatchOfJobs(batches: { batches = $0 }) { id, group in
                #expect(raw[id] == nil, "batch \(id) handed over twice")
                raw[id] = group
            }
            #expect(raw == codable)
            #expect(batches == (try store.batches()))

            let byID = try Store.Startup(path: dir + "/spool.sqlite").jobs(ids: Array(reference.keys) + ["missing"])
            #expect(Dictionary(uniqueKeysWithValues: byID.map { ($0.id, $0) }) == reference)
        }
    }
}

/// Every job row through GRDB's Codable decoding (the compiler's `Decodable` of `JobRecord`), by ID: a
/// reading independent of `JobRecord.init(row:)`, which every `JobRecord` fetch uses.
func codableJobs(_ store: Store) throws -> [String: JobRecord] {
    let rows = try store.writer.read { db in try CodableJob.fetchAll(db) }
    return Dictionary(uniqueKeysWithValues: rows.map { ($0.record.id, $0.record) })
}

/// A job row decoded by `Decodable`, so GRDB cannot pick `JobRecord.init(row:)`.
struct CodableJob: Decodable, FetchableRecord, TableRecord {
    static let databaseTableName = "job"
    let record: JobRecord

    init(from decoder: any Decoder) throws { record = try JobRecord(from: decoder) }

    static func databaseJSONDecoder(for column: String) -> JSONDecoder { JobRecord.databaseJSONDecoder(for: column) }
}
