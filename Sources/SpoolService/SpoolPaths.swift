import Foundation
import SpoolCore

/// The root's layout (SPEC §1). `inbox`, `out` and `state` may live elsewhere by configuration.
package struct SpoolPaths: Sendable {
    package var root: String
    package var inbox: String
    package var out: String
    package var state: String

    package init(root: String, configuration: SpoolConfiguration) {
        let root = Self.absolute(root)
        self.root = root
        inbox = configuration.inbox.map(Self.absolute) ?? root + "/inbox"
        out = configuration.out.map(Self.absolute) ?? root + "/out"
        state = configuration.state.map(Self.absolute) ?? root + "/state"
    }

    package var receipts: String { root + "/receipts" }
    package var batches: String { root + "/batches" }
    package var jobs: String { root + "/jobs" }
    package var archive: String { root + "/archive" }
    package var rejected: String { root + "/rejected" }
    package var cancel: String { root + "/cancel" }
    package var retry: String { root + "/retry" }
    package var work: String { root + "/work" }
    /// Claimed batch files wait here until their batch is durable; inside the inbox so the claim
    /// is a same-filesystem rename even on NFS, and hidden by its dot-name.
    package var claimed: String { inbox + "/.claimed" }

    package func jobStatus(_ id: String) -> String { jobs + "/" + id + ".json" }
    package func batchStatus(_ id: String) -> String { batches + "/" + id + ".json" }
    package func workDirectory(_ id: String) -> String { work + "/" + id }

    /// Creates every directory of the layout.
    package func createLayout() throws {
        for dir in [root, inbox, out, state, receipts, batches, jobs, archive, rejected, cancel, retry, work, claimed] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
    }

    static func absolute(_ path: String) -> String {
        let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return url.standardizedFileURL.path
    }
}
