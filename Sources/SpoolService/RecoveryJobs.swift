import Foundation
import SpoolCore
import SpoolStore

/// Start-up recovery's look-ups for `OutputPublisher.sweep` and `SpoolPaths.clearWork`, whose callbacks are
/// synchronous: the jobs named by the files in the staging and work directories, read in one go before
/// those run (a few names at start-up, never the whole queue).
enum RecoveryJobs {
    /// Job ID → job, for every name in `work/` and every staged `<job_id>-<n>.part`; unknown IDs are absent.
    static func read(paths: SpoolPaths, store: any StoreEngine) async throws -> [String: JobRecord] {
        let ids = await BlockingWork.run("spool.recovery") { names(paths: paths) }
        guard !ids.isEmpty else { return [:] }
        let jobs = try await store.fetchJobs(ids: ids.sorted())
        return Dictionary(jobs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The candidate IDs: as `OutputPublisher` reads a staged name (up to its last `-`), and every entry of
    /// `work/` (a job's scratch directory is named by its ID).
    static func names(paths: SpoolPaths) -> Set<String> {
        let fm = FileManager.default
        var ids = Set((try? fm.contentsOfDirectory(atPath: paths.work)) ?? [])
        for name in (try? fm.contentsOfDirectory(atPath: paths.staging)) ?? [] where name.hasSuffix(".part") {
            if let dash = name.lastIndex(of: "-") { ids.insert(String(name[..<dash])) }
        }
        return ids
    }
}
