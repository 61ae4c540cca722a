import Foundation
import Logging
import ServiceLifecycle
import SpoolCore
import SpoolFiles
import SpoolInbox
import SpoolPipeline
import SpoolStore

/// The whole service: recovery at start-up (a prelude), then the scheduler, metrics, control files and
/// ingest as one `ServiceGroup`, until a graceful shutdown (SIGTERM/SIGINT through the enclosing group).
///
/// The group shuts its services down one at a time in reverse order: the inputs first (no new batch, no
/// control request is taken once shutdown begins), the scheduler last (its running jobs go back to Pending).
package struct SpoolDaemon: Service, CustomStringConvertible {
    /// A step of the daemon's life, for tests that follow the shutdown order.
    package enum Event: Sendable, Equatable {
        /// Start-up recovery is done; the services start next.
        case recovered
        case serviceStarted(String)
        case serviceStopped(String)
        /// Every service has stopped and the clean-shutdown marker is written.
        case sealed
    }

    package var paths: SpoolPaths
    package var configuration: SpoolConfiguration
    package var metrics: SpoolMetrics?
    package var logger: Logger
    /// Called at each `Event`, on the task where it happens.
    package var onEvent: @Sendable (Event) -> Void = { _ in }
    /// Services started after the inputs (so stopped first), e.g. the HTTP API; made once recovery is done.
    package var extraServices: @Sendable (DaemonParts) -> [(String, any Service)] = { _ in [] }
    /// Opens the store the service runs on, once the state lock is held (docs/cluster.md).
    package var openEngine: @Sendable (SpoolPaths) async throws -> any StoreEngine
    /// This daemon as a node of a cluster (SpoolDaemon+Cluster.swift); nil on SQLite: one node, as always.
    package var cluster: ClusterMembership?

    /// `engine` nil: the SQLite store at `paths.database`, as `spool serve` runs. Another engine (a running
    /// `PostgresStore`) is passed here; the SQLite-only parts (WAL checkpoints, the start-up connection) then
    /// stay off.
    package init(
        paths: SpoolPaths, configuration: SpoolConfiguration, metrics: SpoolMetrics? = nil, logger: Logger,
        engine: (@Sendable (SpoolPaths) async throws -> any StoreEngine)? = nil
    ) {
        self.paths = paths
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        // The jobs this node starts carry its name in their status files (`node`).
        let node = configuration.nodeNameInForce
        self.openEngine = engine ?? { paths in try Store(path: paths.database, node: node) }
    }

    package var description: String { "SpoolDaemon(root: \(paths.root))" }

    package func run() async throws {
        try paths.createLayout()
        let lock = try StateLock(path: cluster?.lockFile(paths) ?? paths.lockFile)
        defer { withExtendedLifetime(lock) {} }
        let store = try await openEngine(paths)
        var status = StatusWriter(store: store, paths: paths, logger: logger)
        // Several nodes write these files: each write under the root's shared lock (StatusWriter+Shared).
        if cluster != nil { status.sharedLock = try SharedFileLock(path: paths.state + "/status.lock") }
        var ingestor = Ingestor(
            store: store, paths: paths, configuration: configuration, status: status, logger: logger)
        if let cluster { try configureForCluster(&ingestor, cluster) }
        let (rebuilder, publisher) =
            if let cluster {
                try await recoverNode(cluster, store: store, status: status, ingestor: ingestor)
            } else {
                try await recover(store: store, status: status, ingestor: ingestor)
            }
        onEvent(.recovered)

        let scheduler = makeScheduler(
            store: cluster?.jobs ?? store, status: status, publisher: publisher, outage: ingestor.outage)
        let metricsService = MetricsService(metrics: metrics, store: store, logger: logger)
        var control = ControlFiles(
            store: store, paths: paths, scheduler: scheduler, ingestor: ingestor, status: status, metrics: metrics,
            logger: logger)
        control.rescanInterval = min(.milliseconds(Int(configuration.rescanIntervalSeconds * 1000)), .seconds(5))
        control.useInotify = !configuration.scanOnly
        control.uploader = makeUploader()
        control.node = cluster?.node
        let queue = IngestQueue()
        let ingest = IngestService(
            watcher: InboxWatcher(configuration: inboxConfiguration, logger: logger), queue: queue, ingestor: ingestor,
            scheduler: scheduler, metrics: metrics)
        // Reverse of this order at shutdown: ingest, control, (rescue,) metrics, then the scheduler.
        var services: [(String, any Service)] = [
            ("scheduler", SchedulerService(scheduler: scheduler)), ("metrics", metricsService),
            ("control", control), ("ingest", ingest),
        ]
        if let cluster {
            // Before the inputs: stopped after them, before metrics and the scheduler.
            services.insert(
                (
                    "rescue",
                    ClusterRescueService(
                        cluster: cluster, paths: paths, ingestor: ingestor, scheduler: scheduler, status: status,
                        queue: queue, logger: logger)
                ), at: 2)
        }
        services += extraServices(
            DaemonParts(
                store: store, paths: paths, configuration: configuration, ingestor: ingestor, scheduler: scheduler,
                control: control, status: status, metrics: metrics, logger: logger))
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: Observed(name: $0.0, base: $0.1, onEvent: onEvent)) },
                logger: logger))
        try await group.run()

        // Every service has stopped and written its last status file: the last exposition, then the marker
        // (never after a crash, nor when the group failed: the next start then checks everything).
        await metricsService.writeNow()
        logger.info("spool stopped")
        // In a cluster no node's stop vouches for the shared status files (SpoolDaemon+Cluster.swift).
        if cluster == nil { await rebuilder.markCleanShutdown() }
        onEvent(.sealed)
    }

    /// Recovery (folder-contract §8): interrupted jobs back to Pending, status files rebuilt, claimed files finished,
    /// stray outputs swept, the work directory cleared (but for live recordings kept at shutdown).
    /// Its file work blocks, so it runs on `BlockingWork` threads; the store is awaited.
    private func recover(store: any StoreEngine, status: StatusWriter, ingestor: Ingestor) async throws
        -> (StatusRebuilder, OutputPublisher)
    {
        // The clean-shutdown marker goes first, so a crash from here on never finds it.
        let rebuilder = StatusRebuilder(status: status, logger: logger)
        let marker = await rebuilder.consumeMarker()
        let paths = paths
        await BlockingWork.run("spool.recovery") { paths.removeInterruptedWrites() }
        let requeued = try await store.requeueProcessingJobs()
        // Jobs requeued here are in the status journal, so the rebuild checks them whatever the marker says.
        try await rebuilder.rebuild(marker: marker == .valid && !requeued.isEmpty ? .stale : marker)
        _ = await ingestor.recoverClaimed()
        let publisher = OutputPublisher(
            outRoot: paths.out, conflict: configuration.nameConflict, staging: paths.staging)
        try await sweepAndClearWork(publisher, store: store)
        logger.info(
            "spool started",
            metadata: ["root": "\(paths.root)", "requeued": "\(requeued.count)", "inbox": "\(paths.inbox)"])
        return (rebuilder, publisher)
    }

    /// Stray publications undone (or, for completed jobs, their stage names dropped) and the work directory
    /// cleared, but for a live recording a shutdown kept (LiveResumeMarker) for a job that still runs. Both ask
    /// about jobs synchronously: the jobs their files name are read first.
    func sweepAndClearWork(_ publisher: OutputPublisher, store: any StoreEngine) async throws {
        let known = try await RecoveryJobs.read(paths: paths, store: store)
        let paths = paths
        try await BlockingWork.run("spool.recovery") {
            publisher.sweep(
                isCompleted: { id in known[id]?.status == .completed }, folder: { id in known[id]?.folder })
            try paths.clearWork(keeping: { id in
                LiveResumeMarker.read(workDirectory: paths.workDirectory(id)) != nil
                    && known[id]?.status.isTerminal == false
            })
        }
    }

    private func makeScheduler(
        store: any JobStore, status: StatusWriter, publisher: OutputPublisher, outage: IngestOutage? = nil
    ) -> Scheduler {
        let tools = ToolPaths(
            ytDlp: configuration.ytDlpPath, ffmpeg: configuration.ffmpegPath, ffprobe: configuration.ffprobePath,
            socketTimeout: configuration.socketTimeoutSeconds, subtitleLanguages: configuration.subtitleLanguages)
        var runner = JobRunner(
            tools: tools, publisher: publisher,
            encodeGate: AsyncGate(
                limit: configuration.encodes > 0 ? configuration.encodes : ProcessInfo.processInfo.activeProcessorCount),
            logger: logger)
        runner.refusePrivateNetwork = !configuration.allowPrivateNetwork
        runner.live.reconnectGrace = .milliseconds(Int(configuration.liveReconnectGraceSeconds * 1000))
        runner.uploader = makeUploader()
        YtDlpForkServer.shared.configure(
            program: configuration.ytDlpPath, enabled: configuration.ytDlpForkServer, logger: logger)
        return Scheduler(
            store: store, status: status, executor: runner, paths: paths,
            settings: .init(
                slots: configuration.downloads, retries: configuration.retries,
                retryBaseDelay: configuration.retryBaseDelaySeconds, liveSlots: configuration.liveRecordings,
                waitForVideoLimit: configuration.waitForVideoLimitSeconds),
            metrics: metrics, outage: outage, logger: logger)
    }

    private var inboxConfiguration: DirectoryWatcher.Configuration {
        .init(
            inbox: paths.inbox, rescanInterval: .milliseconds(Int(configuration.rescanIntervalSeconds * 1000)),
            incompleteGrace: .milliseconds(Int(configuration.incompleteGraceSeconds * 1000)),
            maxBytes: configuration.maxBatchBytes, scanOnly: configuration.scanOnly)
    }

    /// A service that reports when it starts and when it has stopped.
    private struct Observed: Service, CustomStringConvertible {
        let name: String
        let base: any Service
        let onEvent: @Sendable (Event) -> Void

        var description: String { name }

        func run() async throws {
            onEvent(.serviceStarted(name))
            defer { onEvent(.serviceStopped(name)) }
            try await base.run()
        }
    }
}
