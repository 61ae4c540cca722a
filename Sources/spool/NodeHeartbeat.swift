import Logging
import ServiceLifecycle
import SpoolPostgres

/// This node's heartbeat in the `node` table, every `leaseSeconds / 3` (`spool nodes` shows it, and a node
/// of the same name is refused while it is fresh). It beats only once the daemon registered the node
/// (`registered`): a beat first would make the node's own registration see a live holder of its name. At a
/// graceful stop the node is marked `stopped`, after the daemon (started after this service, so stopped
/// before it) has handed its running jobs back; never when it was not registered (the name is another's).
/// With `jobs` (the scheduler's `NodeJobs`), each beat renews exactly the leases that node holds and
/// records when their confirmation started (`NodeJobs.renew`); without, `heartbeat` renews by node name.
struct NodeHeartbeat: Service {
    var registered: AsyncStream<Void>
    var store: PostgresStore
    var node: String
    var leaseSeconds: Int
    var slots: Int
    var logger: Logger
    var jobs: NodeJobs? = nil

    func run() async throws {
        var isRegistered = false
        for await _ in registered.cancelOnGracefulShutdown() {
            isRegistered = true
            break
        }
        guard isRegistered else { return }
        let interval = Duration.milliseconds(leaseSeconds * 1000 / 3)
        var failing = false
        // The sleep ends early at graceful shutdown; only then is the node marked stopped.
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if let jobs {
                    try await jobs.renew(slots: slots)
                } else {
                    _ = try await store.heartbeat(node: node, leaseSeconds: leaseSeconds, slots: slots)
                }
                if failing { logger.notice("heartbeat written again", metadata: ["node": "\(node)"]) }
                failing = false
            } catch {
                // One line per outage, not per beat.
                if !failing {
                    logger.error(
                        "heartbeat not written; retrying",
                        metadata: ["node": "\(node)", "every_s": "\(leaseSeconds / 3)", "error": "\(error)"])
                }
                failing = true
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        do {
            _ = try await store.stopNode(name: node)
            logger.info("node stopped", metadata: ["node": "\(node)"])
        } catch {
            logger.error("node not marked stopped", metadata: ["node": "\(node)", "error": "\(error)"])
        }
    }
}
