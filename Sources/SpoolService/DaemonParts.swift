import Logging
import SpoolCore
import SpoolStore

/// The running daemon's parts that an extra service (the HTTP API) acts through, handed to
/// `SpoolDaemon.extraServices` once recovery is done.
package struct DaemonParts: Sendable {
    package var store: any StoreEngine
    package var paths: SpoolPaths
    package var configuration: SpoolConfiguration
    package var ingestor: Ingestor
    package var scheduler: Scheduler
    package var control: ControlFiles
    package var status: StatusWriter
    package var metrics: SpoolMetrics?
    package var logger: Logger

    package init(
        store: any StoreEngine, paths: SpoolPaths, configuration: SpoolConfiguration, ingestor: Ingestor,
        scheduler: Scheduler,
        control: ControlFiles, status: StatusWriter, metrics: SpoolMetrics?, logger: Logger
    ) {
        self.store = store
        self.paths = paths
        self.configuration = configuration
        self.ingestor = ingestor
        self.scheduler = scheduler
        self.control = control
        self.status = status
        self.metrics = metrics
        self.logger = logger
    }
}
