import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SpoolCore
import SpoolFiles
import SpoolService

/// The HTTP API as one more service of the daemon's group: Hummingbird's server on `http_listen`, stopped
/// with the group's graceful shutdown (first, before the inputs: it was started last).
///
/// Once bound it logs `http listening` with the address and writes it to `<state>/http.addr` (`HOST:PORT`, the
/// real port when `http_listen` asked for port 0), so scripts and tests find it.
package struct HTTPService: Service {
    package var address: HTTPListenAddress
    var api: SpoolAPI
    /// Connections idle longer than this (including half-sent headers: slow loris) are closed.
    package var idleTimeout: TimeAmount = .seconds(30)

    package init(address: HTTPListenAddress, parts: DaemonParts) {
        self.address = address
        self.api = SpoolAPI(parts: parts, readiness: Readiness())
    }

    /// `<state>/http.addr`.
    package static func addressFile(_ paths: SpoolPaths) -> String { paths.state + "/http.addr" }

    package func run() async throws {
        let (api, logger) = (api, api.logger)
        let file = Self.addressFile(api.paths)
        try? FileManager.default.removeItem(atPath: file)
        let app = Application(
            router: api.makeRouter(), server: .http1(configuration: .init(idleTimeout: idleTimeout)),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "spool"),
            onServerRunning: { channel in
                let bound = channel.localAddress
                let text = Self.hostPort(bound, fallbackHost: address.host)
                do {
                    try AtomicFile.write(Data((text + "\n").utf8), to: file, durable: false)
                } catch {
                    logger.error("http.addr not written", metadata: ["path": "\(file)", "error": "\(error)"])
                }
                api.readiness.set(true)
                logger.info("http listening", metadata: ["address": "\(text)", "address_file": "\(file)"])
            }, logger: logger)
        try await withGracefulShutdownHandler {
            try await app.run()
        } onGracefulShutdown: {
            api.readiness.set(false)
        }
        try? FileManager.default.removeItem(atPath: file)
        logger.info("http stopped")
    }

    /// `127.0.0.1:8080` / `[::1]:8080` for a bound socket address.
    static func hostPort(_ address: SocketAddress?, fallbackHost: String) -> String {
        let host = address?.ipAddress ?? fallbackHost
        let port = address?.port ?? 0
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
