import Foundation
import SpoolCore
import SpoolStore

extension StatusRebuilder {
    /// Above this share of the jobs in the journal, comparing every file (streamed, `rebuildAll`) is cheaper
    /// than reading the journal's jobs by ID.
    static func checksEverything(dirtyJobs: Int, jobs: Int) -> Bool {
        dirtyJobs > 1024 && dirtyJobs * 2 > jobs
    }

    /// Compares the status files of the journal's jobs, and of their batches and the journal's batches, with
    /// the store, rewriting those that differ (a batch whose jobs are all terminal gets its end recorded, as
    /// in `rebuildAll`). Start-up only: nothing else may write status files meanwhile. The journal is left
    /// as it is: an entry goes only once its file is known to be on disk (the clean stop's seal), so a
    /// power cut after this check cannot lose a rewrite. Returns how many jobs and batches were checked.
    @discardableResult
    func rebuildDirty(_ journal: Store.StatusJournal, startup: StartupReads) async throws -> (
        jobs: Int, batches: Int
    ) {
        let writer = status
        var batchIDs = Set(journal.batches.map(\.id))
        let jobIDs = journal.jobs.map(\.id)
        var start = 0
        while start < jobIDs.count {
            let chunk = Array(jobIDs[start..<min(start + 4096, jobIDs.count)])
            let jobs = try await startup.jobs(ids: chunk)
            for job in jobs { batchIDs.insert(job.batchId) }
            await BlockingWork.run("spool.status.rebuild") {
                jobs.concurrentForEach { job in
                    writer.write(
                        StatusProjection.job(job, paths: writer.paths), to: writer.paths.jobStatus(job.id),
                        ifChanged: true)
                }
            }
            start += chunk.count
        }
        for id in batchIDs.sorted() {
            guard let batch = try await status.store.fetchBatch(id: id) else { continue }
            try await status.writeBatch(batch, jobs: try await status.store.fetchJobs(batchID: id), ifChanged: true)
        }
        return (jobIDs.count, batchIDs.count)
    }
}
