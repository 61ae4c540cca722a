import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SpoolCore
import SpoolPostgres
import SpoolService
import SpoolStore

#if canImport(Glibc)
    import Glibc
#endif

/// `spool serve` with `database` a PostgreSQL URL (docs/cluster.md): the daemon runs on `PostgresStore`,
/// whose client and this node's heartbeat are services of the same group.
///
/// One node at a time for now: the scheduler starts jobs with `startAttempt` (no leases yet) and start-up
/// recovery requeues every Processing job, so a second live node would take the first one's running jobs.
/// Start-up therefore refuses while another node is up (exit 78), and a second node of the same name too.
struct PostgresServing {
    var url: PostgresURL
    var node: String
    var leaseSeconds: Int
    var slots: Int
    var logger: Logger
    /// Told once the node is registered (`NodeHeartbeat` waits for it).
    var registered: AsyncStream<Void>.Continuation

    /// The client to run before the daemon (stopped after it), and the store on it.
    func makeStore() -> (PostgresClient, PostgresStore) {
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        return (client, PostgresStore(client: client, logger: logger, node: node))
    }

    /// The daemon's engine: the schema migrated (under the migrations' advisory lock), this node registered.
    func open(_ store: PostgresStore) async throws -> any StoreEngine {
        let applied = try await store.migrate()
        if !applied.isEmpty { logger.notice("database migrated", metadata: ["versions": "\(applied)"]) }
        let others = try await store.listNodes().filter {
            $0.name != node && $0.storedState == "up" && $0.heartbeatAgeSeconds < Double(leaseSeconds)
        }
        if let other = others.first {
            throw ConfigurationFailure(
                message:
                    "node \(other.name) is up on this database (heartbeat \(Int(other.heartbeatAgeSeconds)) s ago): spool runs one node per database for now; stop it first (docs/cluster.md)"
            )
        }
        // This host's previous run, killed without a clean stop, leaves a live-looking row: taken back when
        // its PID is gone (kill(pid, 0): ESRCH), so a restart after a crash is not refused for a lease.
        let process = PostgresStore.NodeProcess(host: ProcessInfo.processInfo.hostName, pid: getpid())
        let registration = try await store.registerNode(
            name: node, leaseSeconds: leaseSeconds, version: "", slots: slots, process: process,
            isAlive: { pid in kill(pid, 0) == 0 || errno == EPERM })
        switch registration {
        case .started:
            logger.info("node registered", metadata: ["node": "\(node)", "database": "\(url)"])
            registered.yield()
        case .refused(let holder, let since):
            throw ConfigurationFailure(
                message:
                    "node_name \(holder) is held by a live node since \(ISO8601DateFormatter().string(from: since)); give this node another node_name or stop that one"
            )
        }
        return store
    }
}
