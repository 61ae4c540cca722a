/// A `JobStore` whose running jobs are leased to one node of a cluster (docs/cluster.md): the scheduler
/// claims through it and asks it which of its running jobs it may no longer finish.
package protocol LeasedJobStore: JobStore {
    /// The node these leases belong to.
    var node: String { get }
    /// Claims the next Pending job for this node (fair across the cluster), started (Processing, attempt
    /// counted) and leased; nil when nothing is free. `live`: as in `fetchPendingHeads`.
    func claimNext(live: Bool?, at now: Int64) async throws -> JobRecord?
    /// IDs among `ids` (jobs this node runs) whose lease is no longer this node's or has expired (or
    /// cannot be confirmed: the database unreachable for longer than the lease allows).
    func lostLeases(among ids: Set<String>) async throws -> Set<String>
}
