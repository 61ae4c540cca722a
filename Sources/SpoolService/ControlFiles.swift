import Foundation
import Logging
import ServiceLifecycle
import SpoolCore
import SpoolFiles
import SpoolInbox
import SpoolPipeline
import SpoolStore

#if canImport(Glibc)
    import Glibc
#endif

/// Acts on `cancel/<id>` and `retry/<id>` files (folder-contract §7), for a job or a whole batch. A file is
/// consumed once acted on; an unknown or impossible request gets `receipts/<name>.json` saying why.
///
/// A service: each directory has a `DirectoryWatcher` (inotify, so a request is handled within
/// milliseconds, plus a listing every `rescanInterval` for what inotify cannot see); without inotify
/// (`useInotify` false, or a network filesystem) they are listed every `pollInterval`.
package struct ControlFiles: Service {
    package var store: any StoreEngine
    package var paths: SpoolPaths
    package var scheduler: Scheduler
    package var ingestor: Ingestor
    package var status: StatusWriter
    package var metrics: SpoolMetrics?
    package var logger: Logger
    package var rescanInterval: Duration = .seconds(5)
    package var pollInterval: Duration = .milliseconds(500)
    package var useInotify = true
    /// `publish_to`: deletes objects for `purge/` (ControlFiles+Purge.swift); nil when outputs stay local.
    package var uploader: BucketUploader?
    /// In a cluster: this node's name, under which each request is claimed before it is handled
    /// (ControlFiles+Cluster.swift); nil on one node.
    package var node: String?

    package init(
        store: any StoreEngine, paths: SpoolPaths, scheduler: Scheduler, ingestor: Ingestor, status: StatusWriter,
        metrics: SpoolMetrics? = nil, logger: Logger
    ) {
        self.store = store
        self.paths = paths
        self.scheduler = scheduler
        self.ingestor = ingestor
        self.status = status
        self.metrics = metrics
        self.logger = logger
    }

    /// What inotify reports for the control directories: a name created, written or renamed in, and the
    /// directory itself going away (`IN_IGNORED` arrives on its own).
    static let watchMask = UInt32(IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

    /// Until a graceful shutdown (or cancellation); a sweep under way is finished first.
    package func run() async throws {
        await cancelWhenGracefulShutdown { await watch() }
    }

    /// The watcher for one control directory: every name but dot-names, reported as soon as it is seen.
    func watcher(for directory: String, label: String) -> DirectoryWatcher {
        DirectoryWatcher(
            configuration: .init(
                directory: directory, rescanInterval: rescanInterval, unwatchedRescanInterval: pollInterval,
                scanOnly: !useInotify, readiness: .immediate, eventMask: Self.watchMask,
                isCandidate: { !$0.isEmpty && !$0.hasPrefix(".") }, label: label, metadataKey: "directory"),
            logger: logger)
    }

    /// Acts on control files until cancelled: a name reported in either directory starts a sweep of both;
    /// reports that arrive during a sweep make one more.
    package func watch() async {
        let (wakes, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let watchers = [
            watcher(for: paths.cancel, label: "cancel directory"), watcher(for: paths.retry, label: "retry directory"),
            watcher(for: paths.purge, label: "purge directory"),
        ]
        await withTaskGroup(of: Void.self) { group in
            for watcher in watchers {
                group.addTask { await watcher.run { _ in continuation.yield() } }
            }
            group.addTask {
                for await _ in wakes {
                    if Task.isCancelled { return }
                    await sweep()
                }
            }
            await group.next()
            // One child ended (cancellation): end the others.
            continuation.finish()
            group.cancelAll()
        }
    }

    package func sweep() async {
        for (dir, action) in [(paths.cancel, "cancel"), (paths.retry, "retry"), (paths.purge, "purge")] {
            for (name, path) in takeRequests(in: dir) {
                let problems: [String]
                do {
                    problems =
                        action == "purge"
                        ? try await purge(name) : action == "cancel" ? try await cancel(name) : try await retry(name)
                } catch {
                    // The store did not answer: not an unknown ID. The file stays for a later sweep.
                    logger.error(
                        "control file kept: the store did not answer",
                        metadata: ["action": "\(action)", "id": "\(name)", "error": "\(error)"])
                    continue
                }
                if !problems.isEmpty {
                    // Durable like an ingest receipt: the control file is removed right after.
                    let receipt = ErrorReceipt(error: problems.joined(separator: "; "), source: "\(action)/\(name)")
                    do {
                        try ingestor.writeReceipt(for: name, receipt, durable: true)
                    } catch {
                        logger.error("control receipt not written", metadata: ["id": "\(name)", "error": "\(error)"])
                    }
                }
                logger.info(
                    "control file handled",
                    metadata: ["action": "\(action)", "id": "\(name)", "problems": "\(problems)"])
                _ = try? FileManager.default.removeItem(atPath: path)
            }
        }
    }

    /// The jobs a control file names: the job itself, or every job of the batch; nil when unknown. Throws
    /// when the store does not answer.
    private func jobs(named name: String) async throws -> (jobs: [JobRecord], isBatch: Bool)? {
        let id = name.lowercased()
        guard SpoolID.isValid(id) else { return nil }
        if let batch = try await store.fetchBatch(id: id) {
            return (try await store.fetchJobs(batchID: batch.id), true)
        }
        if let job = try await store.fetchJob(id: id) { return ([job], false) }
        return nil
    }

    private func cancel(_ name: String) async throws -> [String] {
        guard let (jobs, isBatch) = try await jobs(named: name) else { return ["no job or batch has the ID \(name)"] }
        var problems: [String] = []
        var acted = 0
        for job in jobs where !(isBatch && job.status.isTerminal) {
            switch await scheduler.cancel(jobID: job.id) {
            case .cancelled, .stopping: acted += 1
            case .notCancellable(let why): problems.append(why)
            case .unknown: problems.append("job \(job.id) is unknown")
            }
        }
        if isBatch && acted == 0 { problems.append("batch \(name) has no job left to cancel") }
        return problems
    }

    private func retry(_ name: String) async throws -> [String] {
        guard let (jobs, isBatch) = try await jobs(named: name) else { return ["no job or batch has the ID \(name)"] }
        let retryable = jobs.filter { $0.status == .failed || $0.status == .warning }
        if retryable.isEmpty {
            if isBatch { return ["batch \(name) has no Failed or Warning job to retry"] }
            let job = jobs[0]
            return [
                "job \(job.id) is \(job.status.rawValue); only Failed or Warning jobs can be retried"
            ]
        }
        let now = Date()
        let fresh = retryable.map { old in
            JobRecord(
                id: SpoolID.make(now: now), batchId: old.batchId, position: 0, url: old.url, filename: old.filename,
                folder: old.folder, options: old.options, createdAt: now.millisecondsSince1970, originalJobId: old.id)
        }
        do {
            for (batchID, group) in Dictionary(grouping: fresh, by: \.batchId) {
                let inserted = try await store.appendRetryJobs(group, toBatch: batchID)
                for job in inserted { await status.write(job: job) }
                await status.writeBatch(id: batchID)
            }
        } catch {
            return ["the retry could not be recorded: \(error)"]
        }
        metrics?.changed()
        scheduler.wake()
        return []
    }
}
