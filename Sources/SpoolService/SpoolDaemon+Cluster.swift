import Foundation
import Logging
import SpoolInbox
import SpoolPipeline
import SpoolStore

/// The daemon as one node of a cluster (`SpoolDaemon.cluster`, docs/cluster.md): its start-up recovery and
/// the settings that differ from one node. Several nodes share one root, so recovery touches only what is
/// this node's (its claim directory, its Processing jobs, its `work`) and rebuilds the shared status files
/// under the cluster's lock, one node at a time.
extension SpoolDaemon {
    /// The ingestor's cluster settings: this node's claim directory, and store failures as outages.
    func configureForCluster(_ ingestor: inout Ingestor, _ cluster: ClusterMembership) throws {
        ingestor.claimDirectory = try InboxClaimer.nodeClaimDirectory(inbox: paths.inbox, node: cluster.node)
        try FileManager.default.createDirectory(atPath: ingestor.claimDirectory, withIntermediateDirectories: true)
        ingestor.outage = IngestOutage(retryInterval: cluster.rescueInterval)
    }

    /// folder-contract §8 for one node of a cluster. No clean-shutdown marker is read or written: one node's
    /// clean stop cannot vouch for status files the others were writing, so every start checks every status
    /// file (`rebuildAll`), under the cluster's advisory lock.
    func recoverNode(
        _ cluster: ClusterMembership, store: any StoreEngine, status: StatusWriter, ingestor: Ingestor
    ) async throws -> (StatusRebuilder, OutputPublisher) {
        let rebuilder = StatusRebuilder(status: status, logger: logger)
        let paths = paths
        // Alone (no other live node; a node starting later registers before it writes anything): every
        // temporary file is a crashed write, as on one node. Otherwise only old ones.
        let alone = try await cluster.rescue.fetchLiveNodes(leaseSeconds: cluster.leaseSeconds).allSatisfy {
            $0 == cluster.node
        }
        await BlockingWork.run("spool.recovery") {
            if alone { paths.removeInterruptedWrites() } else { Self.removeAbandonedWrites(paths) }
        }
        let requeued = try await cluster.rescue.requeueStartupJobs(node: cluster.node)
        let started = ContinuousClock.now
        try await cluster.rescue.withStatusRebuildLock {
            try await rebuilder.rebuildAll()
        }
        let elapsed = started.duration(to: .now)
        logger.info(
            "status files verified",
            metadata: [
                "mode": "cluster", "check": "all", "node": "\(cluster.node)",
                "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
            ])
        _ = await ingestor.recoverClaimed()
        let staging = ClusterMembership.staging(of: cluster.node, paths)
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        let publisher = OutputPublisher(outRoot: paths.out, conflict: configuration.nameConflict, staging: staging)
        // This node's own staging only: the others' hold their publications in progress.
        try await sweepAndClearWork(publisher, store: store)
        logger.info(
            "spool started",
            metadata: [
                "root": "\(paths.root)", "node": "\(cluster.node)", "requeued": "\(requeued.count)",
                "inbox": "\(paths.inbox)",
            ])
        return (rebuilder, publisher)
    }

    /// With other nodes live: the temporary files of atomic writes (`.<name>.<hex>.tmp`) that a crashed node
    /// left, older than ten minutes: a younger one may be another node's write in progress.
    static func removeAbandonedWrites(_ paths: SpoolPaths) {
        let fm = FileManager.default
        let cutoff = Date().addingTimeInterval(-600)
        for dir in [paths.receipts, paths.batches, paths.jobs, paths.archive, paths.rejected] {
            for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            where name.hasPrefix(".") && name.hasSuffix(".tmp") {
                let path = dir + "/" + name
                if let modified = (try? fm.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                    modified < cutoff
                {
                    try? fm.removeItem(atPath: path)
                }
            }
        }
    }
}
