import Foundation
import SpoolInbox

/// Ingest of claimed files outside the inbox watcher: start-up's leftovers (`recoverClaimed`, also on one
/// node), and in a cluster a lost node's adopted files and the files whose commit failed during a store
/// outage (`ClusterRescueService`).
extension Ingestor {
    /// Ingests claimed files (in this node's claim directory): a batch already stored under the file's claim
    /// name is answered again, never stored twice.
    package func ingestClaimed(_ files: [String]) async -> [Outcome] {
        var outcomes: [Outcome] = []
        for path in files {
            // Reading, validating and rejecting block (file I/O, fsync): off the cooperative pool.
            switch await BlockingWork.run("spool-ingest", { prepareLeftover(path) }) {
            case nil: continue
            case .done(let outcome): outcomes.append(outcome)
            case .accepted(let batch): outcomes += await commit([batch])
            }
        }
        return outcomes
    }

    /// During a store outage: ingests again the claimed files whose commit failed; when all are stored (or
    /// there were none and the store answered), ends the outage and returns the inbox names to queue again.
    package func retryAfterOutage() async -> [String]? {
        guard let outage, outage.isDown else { return nil }
        let files = outage.takeClaimed().filter { FileManager.default.fileExists(atPath: $0) }
        _ = await ingestClaimed(files)
        return outage.endIfStored(logger: logger)
    }
}
