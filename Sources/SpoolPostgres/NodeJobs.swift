import Foundation
import Logging
import SpoolCore
import SpoolStore
import Synchronization

/// The scheduler's store on a cluster node: jobs are claimed with a lease (`claimNext`), every write of a
/// claimed job is fenced by its lease token (`saveLeased`), and `lostLeases` says which running jobs this
/// node may no longer finish (docs/cluster.md, "The scheduler on leases").
///
/// A final class holding a `Mutex`: the tokens of the jobs this node holds and when each lease was last
/// confirmed are shared by the scheduler's tasks and the heartbeat.
package final class NodeJobs: LeasedJobStore, JobWakeupSource {
    private struct Held {
        var token: String
        /// When the last claim or renewal that confirmed this lease started (the lease runs from there).
        var confirmed: ContinuousClock.Instant
    }

    package let node: String
    package let leaseSeconds: Int
    private let store: PostgresStore
    private let held = Mutex<[String: Held]>([:])

    package init(store: PostgresStore, node: String, leaseSeconds: Int) {
        self.store = store
        self.node = node
        self.leaseSeconds = leaseSeconds
    }

    /// The IDs of the jobs this node holds a lease on.
    package var heldJobIDs: Set<String> { held.withLock { Set($0.keys) } }

    // MARK: - LeasedJobStore

    /// Bounded like every read the scheduler waits on (`callLimit`): while the server is down, postgres-nio's
    /// pool holds a request until it gives up connecting (about a minute), and the scheduler is to say at
    /// once that claims fail. A claim that lands after its caller gave up is handed straight back.
    package func claimNext(live: Bool?, at now: Int64) async throws -> JobRecord? {
        let started = ContinuousClock.now
        let (store, node, leaseSeconds) = (store, node, leaseSeconds)
        let claim = try await StoreDeadline.within(seconds: callLimit) {
            try await store.claimNext(node: node, leaseSeconds: leaseSeconds, at: now, live: live)
        } late: { lease in
            if let lease { _ = try? await store.releaseLease(of: lease.job.id, token: lease.token) }
        }
        guard let lease = claim else { return nil }
        held.withLock { $0[lease.job.id] = Held(token: lease.token, confirmed: started) }
        return lease.job
    }

    package func lostLeases(among ids: Set<String>) async throws -> Set<String> {
        let mine = held.withLock { $0.filter { ids.contains($0.key) } }
        var lost = ids.subtracting(mine.keys)
        guard !mine.isEmpty else { return lost }
        do {
            let current = try await StoreDeadline.within(seconds: callLimit) {
                try await self.store.currentLeases(mine.mapValues(\.token))
            }
            lost.formUnion(Set(mine.keys).subtracting(current))
        } catch {
            // Unconfirmed: a lease whose last confirmation began more than lease − 1 s ago may already be
            // another node's (the database's rescue could have given it away), so it counts as lost.
            let limit = Duration.seconds(max(0, leaseSeconds - 1))
            let now = ContinuousClock.now
            lost.formUnion(mine.filter { now - $0.value.confirmed > limit }.keys)
        }
        return lost
    }

    // MARK: - JobStore

    package func fetchJob(id: String) async throws -> JobRecord? { try await store.fetchJob(id: id) }

    /// Processing jobs: only those this node holds (the scheduler looks there for its own due retries;
    /// another node's waiting jobs are that node's), read by ID, so an idle node's poll costs no read here.
    package func fetchJobs(status: JobStatus) async throws -> [JobRecord] {
        let store = store
        guard status == .processing else {
            return try await StoreDeadline.within(seconds: callLimit) { try await store.fetchJobs(status: status) }
        }
        let mine = Array(heldJobIDs)
        guard !mine.isEmpty else { return [] }
        let jobs = try await StoreDeadline.within(seconds: callLimit) { try await store.fetchJobs(ids: mine) }
        return jobs.filter { $0.status == .processing }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// Always empty: a node takes work only through `claimNext`.
    package func fetchPendingHeads(excluding: Set<String>, live: Bool?) async throws -> [JobRecord] { [] }

    /// A job this node holds is saved fenced (nothing changes once the lease is no longer its own; the
    /// lease ends when the job leaves Processing). Without a lease only a cancel is saved (a plain save,
    /// which ends another node's lease on it): any other state (progress, a requeue, a completion) of a
    /// job it does not hold, or no longer holds after a refused fenced save, is never written.
    package func saveJob(_ job: JobRecord) async throws -> Bool {
        guard let token = held.withLock({ $0[job.id]?.token }) else {
            guard job.status.isTerminal && job.step == .cancelled else { return false }
            return try await store.saveJob(job)
        }
        let saved = try await store.saveLeased(job, token: token)
        if !saved || job.status != .processing { _ = held.withLock { $0.removeValue(forKey: job.id) } }
        return saved
    }

    /// A retry this node holds starts only while its lease is current; a job it does not hold never does.
    package func startAttempt(id: String, at now: Int64) async throws -> JobRecord? {
        guard let token = held.withLock({ $0[id]?.token }) else { return nil }
        guard let job = try await store.startLeasedAttempt(id: id, token: token, at: now) else {
            _ = held.withLock { $0.removeValue(forKey: id) }
            return nil
        }
        return job
    }

    /// Seconds the scheduler waits for a claim or a lease check before taking the database as unreachable.
    private var callLimit: Double { max(1, Double(leaseSeconds) / 3) }

    // MARK: - Wake-ups and renewal

    /// The node's heartbeat and the renewal of every lease it holds (`NodeHeartbeat`, every lease_s / 3). A
    /// renewal that succeeds confirms the leases from the instant it started (the database's `now()` came
    /// after that). A lease the database no longer has as this node's is not renewed (`lostLeases` reports it).
    package func renew(slots: Int = 0) async throws {
        let started = ContinuousClock.now
        let tokens = held.withLock { $0.mapValues(\.token) }
        let (store, node, leaseSeconds) = (store, node, leaseSeconds)
        try await StoreDeadline.within(seconds: callLimit) {
            try await store.renewLeases(node: node, tokens: tokens, leaseSeconds: leaseSeconds, slots: slots)
        }
        held.withLock { held in
            for (id, token) in tokens where held[id]?.token == token { held[id]?.confirmed = started }
        }
    }

    /// Another node's new batch, retry, cancel or a rescue wakes this node's scheduler (NOTIFY `spool_jobs`).
    package func listenForWakeups(_ wake: @escaping @Sendable () -> Void) async {
        await store.listenForJobs(wake: wake)
    }
}
