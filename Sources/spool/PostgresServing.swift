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
/// Any number of nodes share one database, each under its own `node_name` (`ClusterMembership`): start-up
/// refuses (exit 78) only a second live node of the same name.
struct PostgresServing {
    var url: PostgresURL
    var node: String
    var leaseSeconds: Int
    var slots: Int
    var logger: Logger
    /// Told once the node is registered (`NodeHeartbeat` waits for it).
    var registered: AsyncStream<Void>.Continuation

    /// This node's membership of the cluster on `store`: the scheduler runs on `jobs` (leases and fencing).
    func membership(_ store: PostgresStore, jobs: NodeJobs) -> ClusterMembership {
        ClusterMembership(node: node, leaseSeconds: leaseSeconds, jobs: jobs, rescue: store)
    }

    /// The client to run before the daemon (stopped after it), and the store on it.
    func makeStore() -> (PostgresClient, PostgresStore) {
        // The pool logs each failed reconnection at info; during an outage the daemon's one line says it all.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: background)
        return (client, PostgresStore(client: client, logger: logger, node: node))
    }

    /// The daemon's engine: the schema migrated (under the migrations' advisory lock), this node registered.
    func open(_ store: PostgresStore) async throws -> any StoreEngine {
        let applied = try await store.migrate()
        if !applied.isEmpty { logger.notice("database migrated", metadata: ["versions": "\(applied)"]) }
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
