import SpoolStore

/// This daemon as one node of a cluster on a shared store (docs/cluster.md); `SpoolDaemon.cluster` is nil on
/// SQLite, where everything runs as on one node.
///
/// With a membership the daemon takes a state lock of its own name (several nodes share one root), claims
/// inbox and control files into directories of its own name, requeues only its own Processing jobs at
/// start-up, rebuilds status files under the cluster's lock, and runs `ClusterRescueService`.
package struct ClusterMembership: Sendable {
    /// This node's `node_name` (checked by `InboxClaimer.nodeClaimDirectory`).
    package var node: String
    /// How long a claim lasts without a heartbeat: the rescue service looks every `leaseSeconds / 3`.
    package var leaseSeconds: Int
    /// The scheduler's store (a lease-keeping store in a cluster).
    package var jobs: any JobStore
    /// Lost nodes, expired leases, this node's start-up requeue, the rebuild lock.
    package var rescue: any ClusterRescue

    package init(node: String, leaseSeconds: Int, jobs: any JobStore, rescue: any ClusterRescue) {
        self.node = node
        self.leaseSeconds = leaseSeconds
        self.jobs = jobs
        self.rescue = rescue
    }

    /// The rescue service's period: a third of the lease, at least one second.
    package var rescueInterval: Duration { .milliseconds(max(leaseSeconds * 1000 / 3, 1000)) }

    /// `out/.spool-staging/<node>`: where `node` stages its outputs before naming them (on `out/`'s file
    /// system, so a name is one link(2)). Per node, so a node sweeps only its own at start-up, and a live node
    /// can undo the half-done publications of a lost one (`ClusterRescueService`).
    package static func staging(of node: String, _ paths: SpoolPaths) -> String {
        paths.out + "/.spool-staging/" + node
    }

    /// `state/spool.<node>.lock`: one process per node name on a shared state directory.
    package func lockFile(_ paths: SpoolPaths) -> String { paths.state + "/spool.\(node).lock" }
}
