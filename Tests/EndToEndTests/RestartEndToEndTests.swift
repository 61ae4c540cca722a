import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// folder-contract §8 at start-up: status files are rebuilt from the database when missing or stale. After a graceful
/// stop the service trusts the files it flushed (`state/clean-shutdown`) and only restores missing ones;
/// after a crash it compares the files of the jobs in the status journal (changed since the last graceful stop).
@Suite("End to end: restart, clean-shutdown marker, status files rebuilt", .serialized, .timeLimit(.minutes(4)))
struct RestartEndToEndTests {
    /// Starts the service and waits until recovery is over (the inbox is watched).
    private func startAndWaitReady(_ spool: SpoolRoot) async throws {
        let before = readyCount(spool)
        try spool.start()
        _ = try await waitFor("inbox watch started (start #\(spool.starts))", timeout: 30, interval: 0.05, on: spool) {
            try spool.requireRunning()
            return readyCount(spool) > before ? true : nil
        }
    }

    private func log(_ spool: SpoolRoot) -> String { (try? String(contentsOf: spool.log, encoding: .utf8)) ?? "" }

    private func readyCount(_ spool: SpoolRoot) -> Int {
        log(spool).components(separatedBy: "inbox watch started").count - 1
    }

    /// The log of the latest start only.
    private func lastStartLog(_ spool: SpoolRoot) -> String {
        log(spool).components(separatedBy: "===== spool serve (start #").last ?? ""
    }

    private func marker(_ spool: SpoolRoot) -> URL { spool.dir("state").appendingPathComponent("clean-shutdown") }

    private func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }

    private func jobFile(_ spool: SpoolRoot, _ id: String) -> URL {
        spool.dir("jobs").appendingPathComponent("\(id).json")
    }

    /// One finished batch of three jobs (HTTP 404: Warning, no download); returns its IDs.
    private func finishedBatch(_ spool: SpoolRoot, name: String = "three") async throws -> (
        batchID: String, jobIDs: [String]
    ) {
        let lab = try await sharedLab()
        try spool.drop("\(name).json", batchJSON(jobs: (1...3).map { (lab.url("status/404/r\($0).mp4"), nil) }))
        let ids = try await spool.acceptedReceipt(name)
        _ = try await spool.finishedBatch(ids.batchID)
        return ids
    }

    @Test("after a clean stop: marker written, removed at start, a deleted job status file restored")
    func cleanStopRestoresDeletedFile() async throws {
        let spool = try SpoolRoot("restart-clean")
        try await startAndWaitReady(spool)
        #expect(!exists(marker(spool)), "no marker on a first start")
        let (batchID, jobIDs) = try await finishedBatch(spool)
        let original = try Data(contentsOf: jobFile(spool, jobIDs[1]))
        let batchOriginal = try Data(contentsOf: spool.dir("batches").appendingPathComponent("\(batchID).json"))
        try await spool.stop()
        #expect(exists(marker(spool)), "a graceful stop writes state/clean-shutdown\n\(spool.diagnostics())")

        try FileManager.default.removeItem(at: jobFile(spool, jobIDs[1]))
        try FileManager.default.removeItem(at: spool.dir("batches").appendingPathComponent("\(batchID).json"))
        try await startAndWaitReady(spool)
        #expect(!exists(marker(spool)), "the marker is removed while the service runs")
        #expect(try Data(contentsOf: jobFile(spool, jobIDs[1])) == original)
        #expect(try Data(contentsOf: spool.dir("batches").appendingPathComponent("\(batchID).json")) == batchOriginal)
        let startLog = lastStartLog(spool)
        #expect(startLog.contains("status files restored"), "\(startLog)")
        #expect(startLog.contains("missing_jobs=1"), "\(startLog)")
        try await spool.stop()
        #expect(exists(marker(spool)))
    }

    @Test(
        "after kill -9: no marker, a stale job status file is rewritten from the store; an old marker put back does not count"
    )
    func crashRewritesStaleFile() async throws {
        let spool = try SpoolRoot("restart-crash")
        try await startAndWaitReady(spool)
        let (_, jobIDs) = try await finishedBatch(spool)
        let original = try Data(contentsOf: jobFile(spool, jobIDs[0]))
        let stale = Data(#"{"id":"\#(jobIDs[0])","status":"Pending","step":"Queued"}"#.utf8)

        // kill -9: the marker never gets written.
        try await kill9(spool)
        #expect(!exists(marker(spool)))
        try stale.write(to: jobFile(spool, jobIDs[0]))
        try await startAndWaitReady(spool)
        #expect(!exists(marker(spool)))
        #expect(try Data(contentsOf: jobFile(spool, jobIDs[0])) == original, "stale file not rewritten")
        #expect(lastStartLog(spool).contains("check=journal"), "\(lastStartLog(spool))")

        // A clean stop writes a marker (and empties the status journal); keep a copy, start (which consumes
        // it), run a batch, crash, and put the copy back: the database no longer holds its token, and the new
        // batch's jobs are in the status journal, so start-up checks their files (docs/status-journal.md).
        try await spool.stop()
        let oldMarker = try Data(contentsOf: marker(spool))
        try await startAndWaitReady(spool)
        #expect(!exists(marker(spool)))
        let (_, laterIDs) = try await finishedBatch(spool, name: "later")
        let laterOriginal = try Data(contentsOf: jobFile(spool, laterIDs[0]))
        try await kill9(spool)
        try oldMarker.write(to: marker(spool))
        try Data(#"{"id":"\#(laterIDs[0])","status":"Pending","step":"Queued"}"#.utf8).write(
            to: jobFile(spool, laterIDs[0]))
        try await startAndWaitReady(spool)
        #expect(!exists(marker(spool)), "a marker put back is removed too")
        #expect(try Data(contentsOf: jobFile(spool, laterIDs[0])) == laterOriginal, "stale file trusted after a crash")
        #expect(lastStartLog(spool).contains("mode=stale-marker"), "\(lastStartLog(spool))")
        try await spool.stop()
    }
}
