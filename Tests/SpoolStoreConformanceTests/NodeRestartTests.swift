import Foundation
import SpoolCore
import SpoolPostgres
import SpoolStore
import Testing

/// A node restarted on its host after a crash (kill -9) takes its own live-looking row back at once, when
/// the PID that held it is gone; a live PID, another host, or no process recorded still refuses.
@Suite("PostgreSQL nodes: restart after a crash", .timeLimit(.minutes(3)))
struct NodeRestartTests {
    @Test(
        "same host, dead PID → taken over; live PID, other host, or unknown process → refused",
        arguments: Engine.postgresOnly)
    func restartAfterCrash(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let crashed = PostgresStore.NodeProcess(host: "media-1", pid: 4_001)
            guard
                case .started(let first) = try await store.registerNode(
                    name: "media-1", leaseSeconds: 30, version: "", slots: 2, process: crashed)
            else { throw Failure("the first node of a name must start") }

            // The next run on the same host while the first PID still lives: refused.
            let next = PostgresStore.NodeProcess(host: "media-1", pid: 4_002)
            #expect(
                try await store.registerNode(
                    name: "media-1", leaseSeconds: 30, version: "", slots: 2, process: next, isAlive: { _ in true })
                    == .refused(holder: "media-1", since: first))
            // Another host using the same name: refused whatever its PIDs say.
            #expect(
                try await store.registerNode(
                    name: "media-1", leaseSeconds: 30, version: "", slots: 2,
                    process: .init(host: "media-2", pid: 4_002), isAlive: { _ in false })
                    == .refused(holder: "media-1", since: first))
            // No process given (a caller that cannot tell): refused.
            #expect(
                try await store.registerNode(
                    name: "media-1", leaseSeconds: 30, version: "", slots: 2, isAlive: { _ in false })
                    == .refused(holder: "media-1", since: first))

            // The first PID is gone (kill -9): the same host's next run takes the row at once.
            guard
                case .started(let second) = try await store.registerNode(
                    name: "media-1", leaseSeconds: 30, version: "", slots: 2, process: next, isAlive: Self.aliveBut4001)
            else { throw Failure("a crashed run's row must be taken back by the same host") }
            #expect(second >= first)
            #expect(try await store.nodeState("media-1") == "up")
            // Now held by the new PID: the old one (gone or not) cannot count as this host's dead run.
            #expect(
                try await store.registerNode(
                    name: "media-1", leaseSeconds: 30, version: "", slots: 2, process: crashed, isAlive: { _ in true })
                    == .refused(holder: "media-1", since: second))
        }
    }

    /// Only the holder's PID (4001) is gone; asking about any other says alive, and so refuses.
    @Sendable static func aliveBut4001(_ pid: Int32) -> Bool { pid != 4_001 }
}
