import Foundation
import SpoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// The root's layout (folder-contract §1). `inbox`, `out`, `state` and `work` may live elsewhere by configuration.
package struct SpoolPaths: Sendable {
    package var root: String
    package var inbox: String
    package var out: String
    package var state: String
    /// The scratch space of running jobs (`work`, a node's own directory in a cluster; default `<root>/work`).
    package var work: String

    package init(root: String, configuration: SpoolConfiguration) {
        let root = Self.absolute(root)
        self.root = root
        inbox = configuration.inbox.map(Self.absolute) ?? root + "/inbox"
        out = configuration.out.map(Self.absolute) ?? root + "/out"
        state = configuration.state.map(Self.absolute) ?? root + "/state"
        work = configuration.work.map(Self.absolute) ?? root + "/work"
    }

    package var receipts: String { root + "/receipts" }
    package var batches: String { root + "/batches" }
    package var jobs: String { root + "/jobs" }
    package var archive: String { root + "/archive" }
    package var rejected: String { root + "/rejected" }
    package var cancel: String { root + "/cancel" }
    package var retry: String { root + "/retry" }
    /// `purge/`: delete a Completed job's outputs (docs/publishing.md).
    package var purge: String { root + "/purge" }
    /// Claimed batch files wait here until their batch is durable; inside the inbox so the claim
    /// is a same-filesystem rename even on NFS, and hidden by its dot-name.
    package var claimed: String { inbox + "/.claimed" }

    /// Where outputs wait for their final name: inside `work/` when it shares `out/`'s filesystem
    /// (so `out/` never holds anything temporary), else a hidden directory inside `out/`.
    package var staging: String {
        var a = stat()
        var b = stat()
        if stat(work, &a) == 0 && stat(out, &b) == 0 && a.st_dev != b.st_dev { return out + "/.spool-staging" }
        return work + "/.staging"
    }

    /// Removes the scratch space of every job (none runs at start-up), keeping the staging directory and
    /// the directories `keeping` names (a live recording kept at shutdown for its job's next attempt).
    package func clearWork(keeping: (String) -> Bool = { _ in false }) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: work) where name != ".staging" && !keeping(name) {
            try fm.removeItem(atPath: work + "/" + name)
        }
    }

    /// Start-up: temporary files of atomic writes that a crash interrupted (`.<name>.<hex>.tmp`).
    /// Readers never saw them; they are removed so the folders hold only real files.
    package func removeInterruptedWrites() {
        let fm = FileManager.default
        for dir in [receipts, batches, jobs, archive, rejected] {
            for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            where name.hasPrefix(".") && name.hasSuffix(".tmp") {
                try? fm.removeItem(atPath: dir + "/" + name)
            }
        }
    }

    /// The database (SQLite, WAL), the source of truth.
    package var database: String { state + "/spool.sqlite" }
    /// Held with `flock` while a service runs (`StateLock`): one service per state directory.
    package var lockFile: String { state + "/spool.lock" }
    /// Written at a graceful stop once every status file is written and on disk; removed first thing at
    /// start-up. While it is valid the status files are known to equal the database (folder-contract §8).
    package var cleanShutdownMarker: String { state + "/clean-shutdown" }
    /// Prometheus text exposition for node_exporter's textfile collector, rewritten periodically.
    package var metricsFile: String { root + "/metrics.prom" }

    package func jobStatus(_ id: String) -> String { jobs + "/" + id + ".json" }
    package func batchStatus(_ id: String) -> String { batches + "/" + id + ".json" }
    package func workDirectory(_ id: String) -> String { work + "/" + id }

    /// Creates every directory of the layout.
    package func createLayout() throws {
        for dir in [
            root, inbox, out, state, receipts, batches, jobs, archive, rejected, cancel, retry, work, claimed, purge,
        ] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
    }

    static func absolute(_ path: String) -> String {
        let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return url.standardizedFileURL.path
    }
}
