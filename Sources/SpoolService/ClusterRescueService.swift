import Foundation
import Glibc
import Logging
import ServiceLifecycle
import SpoolFiles
import SpoolInbox
import SpoolPipeline
import SpoolStore

/// A cluster node's share of looking after the others (docs/cluster.md), once at start and every
/// `leaseSeconds / 3`: nodes whose heartbeat stopped are marked lost, expired leases go back to Pending
/// (their status files rewritten), a lost node's claimed inbox files are adopted into this node's claim
/// directory and ingested, its claimed control files put back where any node takes them, and the
/// scheduler is woken (to take jobs other nodes ingested or handed back). Also the retry of ingest during a store outage (`IngestOutage`).
///
/// Any number of nodes may run this at once: the store's updates are idempotent and every file move is a
/// rename that one node wins (`InboxClaimer.adopt`).
package struct ClusterRescueService: Service {
    package var cluster: ClusterMembership
    package var paths: SpoolPaths
    package var ingestor: Ingestor
    package var scheduler: Scheduler
    package var status: StatusWriter
    /// The ingest queue, to queue again the inbox files left alone during an outage.
    package var queue: IngestQueue
    package var logger: Logger

    package init(
        cluster: ClusterMembership, paths: SpoolPaths, ingestor: Ingestor, scheduler: Scheduler, status: StatusWriter,
        queue: IngestQueue, logger: Logger
    ) {
        self.cluster = cluster
        self.paths = paths
        self.ingestor = ingestor
        self.scheduler = scheduler
        self.status = status
        self.queue = queue
        self.logger = logger
    }

    /// Until a graceful shutdown.
    package func run() async throws {
        let interval = cluster.rescueInterval
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await timedRound()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// The store did not answer a round within the lease.
    struct NoAnswer: Error, CustomStringConvertible {
        var seconds: Int
        var description: String { "the database did not answer within \(seconds) s" }
    }

    /// A round, noting an outage when it has not ended within `leaseSeconds`: postgres-nio's pool keeps a
    /// request waiting (and reconnects with backoff) while the server refuses connections, so a down
    /// database shows as a call that does not return rather than an error. The round goes on and ends once
    /// the store answers (then the outage's files are ingested); cancellation stops the wait, not the round.
    private func timedRound() async {
        let (ends, end) = AsyncStream.makeStream(of: Bool.self)
        let round = Task {
            await self.round()
            end.yield(true)
        }
        let seconds = cluster.leaseSeconds
        let timer = Task {
            try await Task.sleep(for: .seconds(seconds))
            end.yield(false)
        }
        defer {
            timer.cancel()
            end.finish()
        }
        var iterator = ends.makeAsyncIterator()
        if await iterator.next() == false {
            ingestor.outage?.noteDown(error: NoAnswer(seconds: seconds), logger: logger)
            _ = await iterator.next()
        }
        withExtendedLifetime(round) {}
    }

    /// What one round did, for tests and the log.
    package struct Round: Sendable, Equatable {
        package var lostNodes: [String] = []
        package var rescuedJobs: [String] = []
        package var adoptedFiles: [String] = []
        package var adoptedControlFiles: [String] = []
        /// Jobs whose publication a lost node left half done (undone, or only its stage names dropped).
        package var sweptPublications: [String] = []
    }

    /// One round. A store failure ends it (logged once per outage through the ingestor's `IngestOutage`).
    @discardableResult
    package func round() async -> Round {
        var done = Round()
        do {
            done.lostNodes = try await cluster.rescue.markLostNodes(leaseSeconds: cluster.leaseSeconds)
            done.rescuedJobs = try await cluster.rescue.rescueExpiredLeases()
            let lost = try await cluster.rescue.fetchLostNodes()
            if let waiting = await ingestor.retryAfterOutage() {
                for name in waiting { queue.submit(name) }
                // Requests kept during the outage: back where the watchers report them again.
                done.adoptedControlFiles += adoptControlFiles(of: cluster.node)
            }
            for node in lost where node != cluster.node {
                done.adoptedFiles += await adoptInbox(of: node)
                done.adoptedControlFiles += adoptControlFiles(of: node)
                done.sweptPublications += try await sweepStaging(of: node)
            }
        } catch {
            if let outage = ingestor.outage {
                outage.noteDown(error: error, logger: logger)
            } else {
                logger.error("cluster rescue round failed", metadata: ["error": "\(error)"])
            }
            return done
        }
        for id in done.rescuedJobs {
            if let job = try? await ingestor.store.fetchJob(id: id) {
                await status.write(job: job)
                await status.writeBatch(id: job.batchId)
            }
        }
        if !done.lostNodes.isEmpty || !done.rescuedJobs.isEmpty || !done.adoptedFiles.isEmpty {
            logger.notice(
                "cluster rescue",
                metadata: [
                    "lost_nodes": "\(done.lostNodes)", "rescued_jobs": "\(done.rescuedJobs.count)",
                    "adopted_files": "\(done.adoptedFiles.count)",
                    "adopted_control_files": "\(done.adoptedControlFiles.count)",
                ])
        }
        // Every round: jobs another node ingested, handed back at its SIGTERM or rescued are in the store,
        // and nothing else tells this node's scheduler about them.
        scheduler.wake()
        return done
    }

    /// Moves `node`'s claimed inbox files into this node's claim directory and ingests them; their paths.
    private func adoptInbox(of node: String) async -> [String] {
        let into = ingestor.claimDirectory
        let adopted: [String]
        do {
            let from = try InboxClaimer.nodeClaimDirectory(inbox: paths.inbox, node: node)
            adopted = try await BlockingWork.run("spool.rescue") { try InboxClaimer.adopt(from: from, into: into) }
        } catch {
            logger.error(
                "claimed files of a lost node not adopted", metadata: ["node": "\(node)", "error": "\(error)"])
            return []
        }
        if !adopted.isEmpty {
            logger.notice(
                "adopting a lost node's claimed batch files",
                metadata: ["node": "\(node)", "files": "\(adopted.count)"])
            _ = await ingestor.ingestClaimed(adopted)
        }
        return adopted
    }

    /// A lost node's publications in progress (its staging directory): undone for jobs that did not complete,
    /// so their next run on a live node finds the names free; only the stage names of completed ones go. A
    /// node merely paused past its lease is fenced already: its own undo finds nothing left to do.
    private func sweepStaging(of node: String) async throws -> [String] {
        let publisher = OutputPublisher(
            outRoot: paths.out, conflict: .suffix, staging: ClusterMembership.staging(of: node, paths))
        let ids = publisher.stagedJobIDs()
        guard !ids.isEmpty else { return [] }
        let jobs = try await ingestor.store.fetchJobs(ids: ids)
        let known = Dictionary(jobs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        await BlockingWork.run("spool.rescue") {
            publisher.sweep(isCompleted: { known[$0]?.status == .completed }, folder: { known[$0]?.folder })
        }
        logger.notice("a lost node's publications swept", metadata: ["node": "\(node)", "jobs": "\(ids.count)"])
        return ids
    }

    /// Puts `node`'s claimed control files (a lost node's, or this node's kept during an outage) back into their directories, where one node claims each again
    /// (`ControlFiles`); a name already waiting there is left for that one (the same request).
    private func adoptControlFiles(of node: String) -> [String] {
        var adopted: [String] = []
        for directory in [paths.cancel, paths.retry, paths.purge] {
            let claimed = ControlFiles.claimDirectory(of: directory, node: node)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: claimed)) ?? [] where !name.hasPrefix(".")
            {
                let target = directory + "/" + name
                guard Posix.lstat(target) == nil else { continue }
                if rename(claimed + "/" + name, target) == 0 { adopted.append(target) }
            }
        }
        return adopted
    }
}
