import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SpoolCore
import SpoolHTTP
import SpoolPostgres
import SpoolService

#if canImport(Glibc)
    import Glibc
#endif

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the service in the foreground (logs key=value lines to stderr, for journald).")

    @OptionGroup var options: RootOptions
    @OptionGroup var service: ServiceOptions

    func run() async throws {
        let effective = try options.loadEffective(extraFlags: service.flags)
        var configuration = effective.configuration
        if let file = effective.apiKeysFile {
            do {
                configuration.apiKeys += try ConfigLoader.readAPIKeys(file: file)
            } catch let problem as ConfigurationError {
                throw configurationExit(problem)
            }
        }
        let paths = try options.paths(configuration)
        // A child closing its stdin pipe must not kill the daemon.
        signal(SIGPIPE, SIG_IGN)
        let level = Logger.Level(effective.logLevel)
        LoggingSystem.bootstrap { label in
            var handler = LogfmtHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "spool")
        logger.info(
            "configuration",
            metadata: ConfigCommand.summary(effective, configuration: configuration).mapValues { .string($0) })
        // On PostgreSQL (a cluster) every node writes its own file, `metrics.<node>.prom`, its samples labelled.
        let node = try DatabaseSetting.url(effective) == nil ? nil : configuration.nodeNameInForce
        let metrics =
            effective.metricsInterval > 0
            ? SpoolMetrics(
                file: node.map { paths.root + "/metrics.\($0).prom" } ?? paths.metricsFile,
                interval: .milliseconds(Int(effective.metricsInterval * 1000)), node: node)
            : nil
        var daemon = SpoolDaemon(paths: paths, configuration: configuration, metrics: metrics, logger: logger)
        let listen = configuration.httpListen.flatMap(HTTPListenAddress.init)
        // Webhooks run without the listener too: deliveries stored before a restart are still sent.
        daemon.extraServices = { parts in
            (listen.map { [("http", HTTPService(address: $0, parts: parts) as any Service)] } ?? [])
                + [("webhooks", WebhookService(parts: parts))]
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let url = try DatabaseSetting.url(effective) {
            // PostgreSQL: its client and this node's heartbeat start first and stop last (PostgresServing).
            let (registered, registration) = AsyncStream.makeStream(of: Void.self)
            let serving = PostgresServing(
                url: url, node: configuration.nodeNameInForce, leaseSeconds: configuration.leaseSeconds,
                slots: configuration.downloads, logger: logger, registered: registration)
            let (client, store) = serving.makeStore()
            daemon.openEngine = { _ in try await serving.open(store) }
            let jobs = NodeJobs(store: store, node: serving.node, leaseSeconds: serving.leaseSeconds)
            daemon.cluster = serving.membership(store, jobs: jobs)
            let heartbeat = NodeHeartbeat(
                registered: registered, store: store, node: serving.node, leaseSeconds: serving.leaseSeconds,
                slots: serving.slots, logger: logger, jobs: jobs)
            services = [.init(service: client), .init(service: heartbeat)]
        }
        var groupConfig = ServiceGroupConfiguration(
            services: services + [.init(service: daemon)], gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // folder-contract §8: exit within 10 s of SIGTERM.
        groupConfig.maximumGracefulShutdownDuration = .seconds(8)
        do {
            try await ServiceGroup(configuration: groupConfig).run()
        } catch let failure as ConfigurationFailure {
            logger.critical("spool cannot start", metadata: ["reason": "\(failure.message)"])
            throw ExitCode(78)
        }
    }
}
