import Foundation
import Logging
import SpoolCore
import SpoolInbox
import SpoolStore

#if canImport(Glibc)
import Glibc
#endif

/// Acts on `cancel/<id>` and `retry/<id>` files (SPEC §7), for a job or a whole batch. A file is
/// consumed once acted on; an unknown or impossible request gets `receipts/<name>.json` saying why.
package struct ControlFiles: Sendable {
    package var store: Store
    package var paths: SpoolPaths
    package var scheduler: Scheduler
    package var ingestor: Ingestor
    package var status: StatusWriter
    package var logger: Logger

    package init(
        store: Store, paths: SpoolPaths, scheduler: Scheduler, ingestor: Ingestor, status: StatusWriter, logger: Logger
    ) {
        self.store = store
        self.paths = paths
        self.scheduler = scheduler
        self.ingestor = ingestor
        self.status = status
        self.logger = logger
    }

    /// What inotify reports for the control directories: a name created, written or renamed in, and the
    /// directory itself going away (`IN_IGNORED` arrives on its own).
    static let watchMask = UInt32(IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

    /// Acts on control files until cancelled. The directories are watched with inotify, so a request is
    /// handled within milliseconds, and listed every `rescanInterval` as well, for what inotify cannot see
    /// (a directory re-created, a queue overflow). Without inotify (unavailable, `useInotify` false, or a
    /// network filesystem, where other clients' writes raise no event) they are listed every `pollInterval`.
    package func run(rescanInterval: Duration, pollInterval: Duration = .milliseconds(500), useInotify: Bool = true)
        async
    {
        let (wakes, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let directories = [paths.cancel, paths.retry]
        let network = directories.contains { FilesystemKind.isNetwork(path: $0) }
        let reader = useInotify && !network ? InotifyReader { _ in continuation.yield() } : nil
        defer {
            reader?.close()
            continuation.finish()
        }
        if useInotify && reader == nil && !network {
            logger.warning(
                "inotify unavailable for the control directories; polling them",
                metadata: ["error": "\(String(cString: strerror(errno)))"])
        }
        var watches: [String: Int32] = [:]
        /// (Re-)adds the watches; true when both directories are watched. Adding a watch that exists is a no-op
        /// that returns the same descriptor; a re-created directory gets a new one.
        func watchAll() -> Bool {
            guard let reader else { return false }
            var all = true
            for directory in directories {
                let wd = reader.addWatch(directory, mask: Self.watchMask)
                if let old = watches[directory], old != wd, old >= 0 { reader.removeWatch(old) }
                watches[directory] = wd
                all = all && wd >= 0
            }
            return all
        }
        await withTaskCancellationHandler {
            var timer: Task<Void, Never>?
            defer { timer?.cancel() }
            var nextRescan = ContinuousClock.now
            /// Arms the one timer for the next listing (and re-watch).
            func scheduleRescan(watched: Bool) {
                let interval = watched ? rescanInterval : pollInterval
                nextRescan = ContinuousClock.now + interval
                timer?.cancel()
                timer = Task {
                    try? await Task.sleep(for: interval)
                    if !Task.isCancelled { continuation.yield() }
                }
            }
            // Watch first, then list: a file dropped in between is seen by one or the other.
            scheduleRescan(watched: watchAll())
            await sweep()
            // Inotify events and the timer share the stream; a burst of events is one sweep.
            var iterator = wakes.makeAsyncIterator()
            while await iterator.next() != nil, !Task.isCancelled {
                if ContinuousClock.now >= nextRescan { scheduleRescan(watched: watchAll()) }
                await sweep()
            }
        } onCancel: {
            continuation.finish()
        }
    }

    package func sweep() async {
        for (dir, action) in [(paths.cancel, "cancel"), (paths.retry, "retry")] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                let problems = action == "cancel" ? await cancel(name) : retry(name)
                if !problems.isEmpty {
                    _ = try? ingestor.writeReceipt(
                        for: name, ErrorReceipt(error: problems.joined(separator: "; "), source: "\(action)/\(name)"))
                }
                logger.info(
                    "control file handled", metadata: ["action": "\(action)", "id": "\(name)", "problems": "\(problems)"])
                _ = try? FileManager.default.removeItem(atPath: dir + "/" + name)
            }
        }
    }

    /// The jobs a control file names: the job itself, or every job of the batch; nil when unknown.
    private func jobs(named name: String) -> (jobs: [JobRecord], isBatch: Bool)? {
        let id = name.lowercased()
        guard SpoolID.isValid(id) else { return nil }
        if let batch = try? store.batch(id: id) { return ((try? store.jobs(batchID: batch.id)) ?? [], true) }
        if let job = try? store.job(id: id) { return ([job], false) }
        return nil
    }

    private func cancel(_ name: String) async -> [String] {
        guard let (jobs, isBatch) = jobs(named: name) else { return ["no job or batch has the ID \(name)"] }
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

    private func retry(_ name: String) -> [String] {
        guard let (jobs, isBatch) = jobs(named: name) else { return ["no job or batch has the ID \(name)"] }
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
                let inserted = try store.appendJobs(group, toBatch: batchID)
                for job in inserted { status.write(job: job) }
                status.writeBatch(id: batchID)
            }
        } catch {
            return ["the retry could not be recorded: \(error)"]
        }
        SpoolMetrics.changed()
        scheduler.wake()
        return []
    }
}
