import Logging
import ServiceLifecycle
import SpoolInbox

/// The inbox as a service: the watcher reports names that look ready, the queue groups them and the
/// ingestor answers each group (one transaction and one fsync for a burst of drops). Both stop at once on a
/// graceful shutdown; a group being ingested is finished first.
package struct IngestService: Service {
    package var watcher: DirectoryWatcher
    package var queue: IngestQueue
    package var ingestor: Ingestor
    package var scheduler: Scheduler
    package var metrics: SpoolMetrics?

    package init(
        watcher: DirectoryWatcher, queue: IngestQueue = IngestQueue(), ingestor: Ingestor, scheduler: Scheduler,
        metrics: SpoolMetrics?
    ) {
        self.watcher = watcher
        self.queue = queue
        self.ingestor = ingestor
        self.scheduler = scheduler
        self.metrics = metrics
    }

    package func run() async throws {
        let (watcher, queue, ingestor, scheduler, metrics) = (watcher, queue, ingestor, scheduler, metrics)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await queue.run { names in
                        // The ingestor runs its blocking file work (fsyncs) off the cooperative pool itself.
                        let outcomes = await ingestor.ingestMeasured(names: names, metrics: metrics)
                        if outcomes.contains(where: { if case .accepted = $0 { true } else { false } }) {
                            scheduler.wake()
                        }
                    }
                }
                // The watcher never waits for an ingest: names queue while a group is ingested.
                group.addTask { await watcher.run { name in queue.submit(name) } }
            }
        }
    }
}
