/// What a node of a cluster asks of the shared store beyond `StoreEngine` (docs/cluster.md): finding nodes
/// that died, handing their jobs back, its own start-up requeue, and one status rebuild at a time. The
/// PostgreSQL engine implements it; SQLite runs one node and never needs it.
package protocol ClusterRescue: Sendable {
    /// Marks `lost` every `up` node whose heartbeat is older than `leaseSeconds`; their names, sorted.
    func markLostNodes(leaseSeconds: Int) async throws -> [String]

    /// Every node the store holds as `lost` (marked by any node, now or earlier): whose claimed files a
    /// live node adopts.
    func fetchLostNodes() async throws -> [String]

    /// Every `up` node whose heartbeat is younger than `leaseSeconds` (this one included once registered).
    func fetchLiveNodes(leaseSeconds: Int) async throws -> [String]

    /// Every Processing job whose lease has expired back to Pending, the attempt uncounted; their IDs.
    func rescueExpiredLeases() async throws -> [String]

    /// Start-up: `node`'s own Processing jobs (left by its previous run) back to Pending, and those no node
    /// holds (no node, no lease: a root migrated from SQLite after a crash); their IDs.
    func requeueStartupJobs(node: String) async throws -> [String]

    /// Runs `body` while holding the cluster's status-rebuild lock (one node at a time rebuilds the
    /// shared status files); waits for a node that holds it.
    func withStatusRebuildLock<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T
}
