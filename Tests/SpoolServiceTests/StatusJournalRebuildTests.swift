import Foundation
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolService

/// Start-up after a crash with the status journal: only the journal's files are compared, and what they
/// become equals what a full comparison makes.
@Suite("StatusRebuilder with the status journal")
struct StatusJournalRebuildTests {
    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// Every visible file in `jobs/` and `batches/`, by path.
    func snapshot(_ paths: SpoolPaths) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for dir in [paths.jobs, paths.batches] {
            for name in try FileManager.default.contentsOfDirectory(atPath: dir) where !name.hasPrefix(".") {
                files[dir + "/" + name] = bytes(dir + "/" + name)
            }
        }
        return files
    }

    /// Ingests `batches` batch files of `jobs` jobs each through the real ingestor (status files written).
    func ingest(_ h: ServiceHarness, batches: Int, jobs: Int) async throws -> [(batch: String, jobs: [String])] {
        var ingestor = h.ingestor
        ingestor.checkNetwork = false
        var names: [String] = []
        for b in 0..<batches {
            let items = (0..<jobs).map { #"{"url": "https://example.com/\#(b)/\#($0)"}"# }.joined(separator: ",")
            try writeText(h.paths.inbox + "/b\(b).json", #"{"jobs": [\#(items)]}"#)
            names.append("b\(b).json")
        }
        return try await ingestor.ingest(names: names).map { outcome in
            guard case .accepted(let batchID, let jobIDs) = outcome else { throw Unexpected(outcome: "\(outcome)") }
            return (batchID, jobIDs)
        }
    }

    struct Unexpected: Error { var outcome: String }

    /// A clean stop (every file flushed, journal emptied), a start, then changes committed whose status files
    /// were never written: what a `kill -9` between a commit and its file write leaves.
    func crashAfterUncommittedFiles(_ h: ServiceHarness, _ batches: [(batch: String, jobs: [String])]) async throws {
        let rebuilder = StatusRebuilder(status: h.status, logger: quietLogger)
        await rebuilder.markCleanShutdown()
        #expect(try h.store.statusJournal().isEmpty)
        #expect(await rebuilder.consumeMarker() == .valid)  // the next start; it then dies mid-run
        _ = try #require(try h.store.startJob(id: batches[0].jobs[0], at: Date().millisecondsSince1970))
        for id in batches[1].jobs {  // a whole batch finishes: its batch file must say so too
            var job = try h.job(id)
            job.state = JobState(status: .failed, step: .finished)
            job.error = "gone"
            job.errorType = .error
            job.finishedAt = Date().millisecondsSince1970
            #expect(try h.store.save(job))
        }
    }

    @Test("a crash between a commit and its status file write: the restart rewrites exactly the journal's files")
    func rewritesDirtyOnly() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let batches = try await ingest(h, batches: 3, jobs: 4)
            try await crashAfterUncommittedFiles(h, batches)
            // A file nobody changed, edited behind spool's back: not in the journal, so not compared.
            let untouched = h.paths.jobStatus(batches[2].jobs[1])
            try writeText(untouched, #"{"edited": true}"# + "\n")
            let journal = try h.store.statusJournal()
            #expect(Set(journal.jobs.map(\.id)) == Set([batches[0].jobs[0]] + batches[1].jobs))

            let rebuilder = StatusRebuilder(status: h.status, logger: quietLogger)
            let marker = await rebuilder.consumeMarker()
            #expect(marker == .absent)
            try await rebuilder.rebuild(marker: marker)

            let started =
                try JSONSerialization.jsonObject(
                    with: try #require(bytes(h.paths.jobStatus(batches[0].jobs[0])))) as? [String: Any]
            #expect(started?["status"] as? String == "Processing")
            let failed =
                try JSONSerialization.jsonObject(
                    with: try #require(bytes(h.paths.jobStatus(batches[1].jobs[3])))) as? [String: Any]
            #expect(failed?["status"] as? String == "Failed")
            let batch =
                try JSONSerialization.jsonObject(
                    with: try #require(bytes(h.paths.batchStatus(batches[1].batch)))) as? [String: Any]
            #expect(batch?["status"] as? String == "finished")
            #expect(readText(untouched) == #"{"edited": true}"# + "\n")
        }
    }

    @Test("the journal's rebuild leaves the same files as a full rebuild, and restores files deleted by name")
    func equalsFullRebuild() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let batches = try await ingest(h, batches: 4, jobs: 5)
            try await crashAfterUncommittedFiles(h, batches)
            try FileManager.default.removeItem(atPath: h.paths.jobStatus(batches[3].jobs[2]))
            try FileManager.default.removeItem(atPath: h.paths.batchStatus(batches[3].batch))

            let rebuilder = StatusRebuilder(status: h.status, logger: quietLogger)
            try await rebuilder.rebuild(marker: await rebuilder.consumeMarker())
            let afterJournal = try snapshot(h.paths)
            #expect(afterJournal.count == 4 * 5 + 4)
            try await rebuilder.rebuildAll()
            #expect(try snapshot(h.paths) == afterJournal)
        }
    }

    @Test("the journal is kept by a crash restart and emptied by the next clean stop")
    func clearedOnlyAtSeal() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let batches = try await ingest(h, batches: 1, jobs: 2)
            try await crashAfterUncommittedFiles(h, batches + [(batches[0].batch, [])])
            let rebuilder = StatusRebuilder(status: h.status, logger: quietLogger)
            try await rebuilder.rebuild(marker: await rebuilder.consumeMarker())
            #expect(try h.store.statusJournal().jobs.map(\.id) == [batches[0].jobs[0]])
            await rebuilder.markCleanShutdown()
            #expect(try h.store.statusJournal().isEmpty)
        }
    }
}
