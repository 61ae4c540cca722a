import Foundation
import Logging
import SpoolCore
import SpoolStore

/// The scheduler on a cluster node (its store a `LeasedJobStore`, docs/cluster.md): a free slot claims the
/// next job from the database (fair across the cluster), and a watch stops every running job whose lease
/// is lost: its tools at once, its scratch removed, nothing published (the fenced save refuses the end).
extension Scheduler {
    /// Seconds between claims while the database cannot be reached (the failed-read retry).
    static var claimRetrySeconds: Int64 { retryAfterReadFailure / 1000 }

    /// This node's own due retries first (as on one node), else a claim. `started`: the claim started it.
    func claimNext(from leased: any LeasedJobStore) async -> (job: JobRecord, started: Bool)? {
        let now = Date().millisecondsSince1970
        let (liveFree, downloadFree) = freeSlots
        guard liveFree || downloadFree else { return nil }
        do {
            let due = try await leased.fetchJobs(status: .processing).first {
                $0.step == .waiting && ($0.nextRetryAt ?? 0) <= now && running[$0.id] == nil
                    && !cancelling.contains($0.id) && ($0.options.liveRecording ? liveFree : downloadFree)
            }
            let claimed: JobRecord?
            if let due {
                claimed = due
            } else {
                claimed = try await leased.claimNext(live: liveFree && downloadFree ? nil : liveFree, at: now)
            }
            if claimsFailing {
                claimsFailing = false
                // With a shared outage record the rescue service says when the database is back.
                if outage == nil {
                    logger.notice("database reachable again; claiming", metadata: ["node": "\(leased.node)"])
                }
            }
            return claimed.map { ($0, due == nil) }
        } catch {
            // One line per outage, not one per retry.
            if let outage {
                outage.noteDown(error: error, logger: logger)
            } else if !claimsFailing {
                logger.error(
                    "database unreachable; retrying every \(Self.claimRetrySeconds) s",
                    metadata: ["node": "\(leased.node)", "error": "\(error)"])
            }
            claimsFailing = true
            queueReadFailed = true
            return nil
        }
    }

    /// Starts the lease watch if jobs run and none is watching.
    func watchLeases() {
        guard let leased, leaseWatch == nil, !running.isEmpty else { return }
        leaseWatch = Task { await self.watchLoop(leased) }
    }

    /// Every second while jobs run: the lost leases among them are stopped.
    private func watchLoop(_ leased: any LeasedJobStore) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard !running.isEmpty, !Task.isCancelled else { break }
            await stopLostLeases(leased)
        }
        leaseWatch = nil
        // A job started while the watch was ending is watched by a new one.
        if !Task.isCancelled { watchLeases() }
    }

    /// Asks the store which running jobs' leases are lost and stops each: its stop marked as a cancel (the
    /// pipeline discards everything, a live recording included) and its task cancelled (its tools stop at
    /// once). The attempt's end is then saved fenced, which the store refuses, so a completion is undone.
    func stopLostLeases(_ leased: any LeasedJobStore) async {
        let ids = Set(running.keys).subtracting(leaseLost)
        guard !ids.isEmpty else { return }
        let lost: Set<String>
        do {
            lost = try await leased.lostLeases(among: ids)
        } catch {
            logger.error("cannot check the running jobs' leases", metadata: ["error": "\(error)"])
            return
        }
        for id in lost.sorted() where running[id] != nil && !leaseLost.contains(id) {
            leaseLost.insert(id)
            logger.warning(
                "lease lost; stopping the job, publishing nothing",
                metadata: ["job.id": "\(id)", "node": "\(leased.node)"])
            stopRequests[id]?.mark(.cancel)
            running[id]?.cancel()
        }
    }

    /// Removes a stopped job's scratch (`work/<id>/`): a job whose lease is lost keeps nothing here.
    func removeScratch(of id: String) {
        try? FileManager.default.removeItem(atPath: paths.workDirectory(id))
    }
}
