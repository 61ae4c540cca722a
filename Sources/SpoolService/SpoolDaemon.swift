import Foundation
import Logging
import ServiceLifecycle
import SpoolCore
import SpoolInbox
import SpoolPipeline
import SpoolStore

/// The whole service: recovery at start-up, then the inbox watcher, the scheduler and the control
/// files, until a graceful shutdown (SIGTERM/SIGINT through the `ServiceGroup`).
package struct SpoolDaemon: Service, CustomStringConvertible {
    package var paths: SpoolPaths
    package var configuration: SpoolConfiguration
    package var logger: Logger

    package init(paths: SpoolPaths, configuration: SpoolConfiguration, logger: Logger) {
        self.paths = paths
        self.configuration = configuration
        self.logger = logger
    }

    package var description: String { "SpoolDaemon(root: \(paths.root))" }

    package func run() async throws {
        try paths.createLayout()
        let lock = try StateLock(path: paths.lockFile)
        defer { withExtendedLifetime(lock) {} }
        let store = try Store(path: paths.database)
        let status = StatusWriter(store: store, paths: paths, logger: logger)
        let ingestor = Ingestor(store: store, paths: paths, configuration: configuration, status: status, logger: logger)

        // Recovery (SPEC §8): interrupted jobs back to Pending, status files rebuilt, claimed files finished.
        // The clean-shutdown marker goes first, so a crash from here on never finds it.
        let rebuilder = StatusRebuilder(status: status, logger: logger)
        let marker = rebuilder.consumeMarker()
        paths.removeInterruptedWrites()
        let requeued = try store.requeueInterrupted()
        // Jobs requeued here changed since the marker was written: only a full check covers them.
        try rebuilder.rebuild(marker: marker == .valid && !requeued.isEmpty ? .stale : marker)
        _ = ingestor.recoverClaimed()
        let publisher = OutputPublisher(
            outRoot: paths.out, conflict: configuration.nameConflict, staging: paths.staging)
        publisher.sweep(
            isCompleted: { id in (try? store.job(id: id))?.status == .completed },
            folder: { id in (try? store.job(id: id))?.folder })
        try paths.clearWork()
        logger.info(
            "spool started",
            metadata: ["root": "\(paths.root)", "requeued": "\(requeued.count)", "inbox": "\(paths.inbox)"])
        // Runs when run() returns, i.e. after every task below has stopped and written its last status
        // file (nothing after this point throws); never after a crash.
        defer { rebuilder.markCleanShutdown() }

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
        let scheduler = Scheduler(
            store: store, status: status, executor: runner, paths: paths,
            settings: .init(
                slots: configuration.downloads, retries: configuration.retries,
                retryBaseDelay: configuration.retryBaseDelaySeconds, liveSlots: configuration.liveRecordings,
                waitForVideoLimit: configuration.waitForVideoLimitSeconds),
            logger: logger)
        let watcher = InboxWatcher(
            configuration: .init(
                inbox: paths.inbox, rescanInterval: .milliseconds(Int(configuration.rescanIntervalSeconds * 1000)),
                incompleteGrace: .milliseconds(Int(configuration.incompleteGraceSeconds * 1000)),
                maxBytes: configuration.maxBatchBytes, scanOnly: configuration.scanOnly),
            logger: logger)
        // The watcher never waits for an ingest: names queue while a group is ingested (one transaction
        // and one fsync for a burst of drops).
        let ingestQueue = IngestQueue()
        let control = ControlFiles(
            store: store, paths: paths, scheduler: scheduler, ingestor: ingestor, status: status, logger: logger)

        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await scheduler.run() }
                group.addTask { await cancelWhenGracefulShutdown { await MetricsWriter(store: store, logger: logger).run() } }
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        await ingestQueue.run { names in
                            let outcomes = ingestor.ingestMeasured(names: names)
                            if outcomes.contains(where: { if case .accepted = $0 { true } else { false } }) {
                                scheduler.wake()
                            }
                        }
                    }
                }
                group.addTask {
                    await cancelWhenGracefulShutdown { await watcher.run { name in ingestQueue.submit(name) } }
                }
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        await control.run(
                            rescanInterval: min(watcher.configuration.rescanInterval, .seconds(5)),
                            useInotify: !configuration.scanOnly)
                    }
                }
            }
        } onGracefulShutdown: {
            Task { await scheduler.beginShutdown() }
        }
        MetricsWriter(store: store, logger: logger).writeNow()
        logger.info("spool stopped")
    }
}
