import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SpoolService

#if canImport(Glibc)
import Glibc
#endif

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the service in the foreground (logs to stderr).")

    @OptionGroup var options: RootOptions

    @Flag(help: "Allow URLs whose host is on loopback or a private network (tests, LANs).")
    var allowPrivateNetwork = false

    func run() async throws {
        var configuration = try options.loadConfiguration()
        if allowPrivateNetwork { configuration.allowPrivateNetwork = true }
        let paths = try options.paths(configuration)
        // A child closing its stdin pipe must not kill the daemon.
        signal(SIGPIPE, SIG_IGN)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "spool")
        let daemon = SpoolDaemon(paths: paths, configuration: configuration, logger: logger)
        var groupConfig = ServiceGroupConfiguration(
            services: [.init(service: daemon)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // SPEC §8: exit within 10 s of SIGTERM.
        groupConfig.maximumGracefulShutdownDuration = .seconds(8)
        do {
            try await ServiceGroup(configuration: groupConfig).run()
        } catch let failure as ConfigurationFailure {
            logger.critical("spool cannot start", metadata: ["reason": "\(failure.message)"])
            throw ExitCode(78)
        }
    }
}
