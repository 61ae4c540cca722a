import AsyncAlgorithms
import Foundation
import Logging
import ServiceLifecycle
import SpoolFiles
import SpoolInbox
import SpoolStore

/// Writes `<root>/metrics.prom` atomically, for node_exporter's textfile collector: every `interval` while
/// something changes or a job runs; when the service is idle only after a change, plus a heartbeat write
/// every `idleRewrite` so the file's mtime shows the service is alive. Without metrics it only waits for
/// the shutdown.
package struct MetricsService: Service {
    package var metrics: SpoolMetrics?
    package var store: any StoreEngine
    package var logger: Logger

    package init(metrics: SpoolMetrics?, store: any StoreEngine, logger: Logger) {
        self.metrics = metrics
        self.store = store
        self.logger = logger
    }

    /// How long an idle service goes without rewriting an unchanged exposition (at least one interval).
    package static let idleRewrite: Duration = .seconds(60)

    /// Until a graceful shutdown (or cancellation).
    package func run() async throws {
        guard let metrics, metrics.interval > .zero else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown { await write(metrics) }
    }

    /// The write loop: one write at once, then one look per timer tick.
    private func write(_ metrics: SpoolMetrics) async {
        let clock = ContinuousClock()
        var written = metrics.pulse.generation
        await writeNow()
        var lastWrite = clock.now
        for await now in AsyncTimerSequence(interval: metrics.interval, clock: clock) {
            // Read before the exposition: a change made while it is taken moves the generation again.
            let (generation, active) = metrics.pulse
            if written != generation || active || lastWrite.duration(to: now) >= Self.idleRewrite {
                await writeNow()
                written = generation
                lastWrite = clock.now
            }
        }
    }

    /// One exposition, now (also written once more by the daemon after every service has stopped).
    package func writeNow() async {
        guard let metrics else { return }
        let text = await metrics.exposition(store: store)
        do {
            // Writing the file (fsync) blocks: off the cooperative pool.
            try await BlockingWork.run("spool-metrics") { try AtomicFile.write(Data(text.utf8), to: metrics.file) }
        } catch {
            logger.warning("metrics not written", metadata: ["path": "\(metrics.file)", "error": "\(error)"])
        }
    }
}
