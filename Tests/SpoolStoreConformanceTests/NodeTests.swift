import Foundation
import SpoolCore
import SpoolPostgres
import SpoolStore
import Testing

/// The node rules of the PostgreSQL engine: one live node per name, lost marking, the hand-back at a clean
/// stop and at a node's own restart, and the rescue of a lost node's jobs.
@Suite("PostgreSQL nodes", .timeLimit(.minutes(3)))
struct NodeTests {
    @Test(
        "a second live node of one name is refused with the holder and its start; a silent or stopped one is taken over",
        arguments: Engine.postgresOnly)
    func duplicateName(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            guard
                case .started(let first) = try await store.registerNode(
                    name: "n1", leaseSeconds: 30, version: "1", slots: 2)
            else { throw Failure("the first node of a name must start") }
            #expect(
                try await store.registerNode(name: "n1", leaseSeconds: 30, version: "1", slots: 2)
                    == .refused(holder: "n1", since: first))
            #expect(try await store.nodeState("n1") == "up")

            // Its heartbeat stops for longer than the lease: the name is free again.
            try await store.silenceNode("n1", seconds: 31)
            guard
                case .started(let second) = try await store.registerNode(
                    name: "n1", leaseSeconds: 30, version: "2", slots: 2)
            else { throw Failure("a silent node's name must be taken over") }
            #expect(second > first)
            #expect(
                try await store.registerNode(name: "n1", leaseSeconds: 30, version: "2", slots: 2)
                    == .refused(holder: "n1", since: second))

            // A clean stop frees the name at once, even when a last heartbeat races it.
            _ = try await store.stopNode(name: "n1")
            #expect(try await store.heartbeat(node: "n1", leaseSeconds: 30) == 0)
            #expect(try await store.nodeState("n1") == "stopped")
            guard case .started = try await store.registerNode(name: "n1", leaseSeconds: 30, version: "2", slots: 2)
            else { throw Failure("a stopped node's name must be free") }
            #expect(try await store.nodeState("n1") == "up")
        }
    }

    @Test("two nodes starting at once with one name: exactly one starts", arguments: Engine.postgresOnly)
    func racingRegistration(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let outcomes = try await withThrowingTaskGroup(of: PostgresStore.NodeRegistration.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await store.registerNode(name: "twin", leaseSeconds: 30, version: "", slots: 1)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let started = outcomes.compactMap { if case .started(let since) = $0 { since } else { nil } }
            #expect(started.count == 1)
            let since = try #require(started.first)
            #expect(outcomes.filter { $0 == .refused(holder: "twin", since: since) }.count == 3)
        }
    }

    @Test(
        "nodes whose heartbeat is older than the lease are marked lost, once; live and stopped ones are not",
        arguments: Engine.postgresOnly)
    func lostMarking(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            for name in ["live", "silent", "quiet", "stopped"] {
                _ = try await store.registerNode(name: name, leaseSeconds: 30, version: "", slots: 1)
            }
            try await store.silenceNode("silent", seconds: 31)
            try await store.silenceNode("quiet", seconds: 29)  // late, but within its lease
            _ = try await store.stopNode(name: "stopped")
            try await store.silenceNode("stopped", seconds: 31)
            #expect(try await store.markLostNodes(leaseSeconds: 30) == ["silent"])
            #expect(try await store.nodeState("silent") == "lost")
            #expect(try await store.nodeState("quiet") == "up")
            #expect(try await store.nodeState("stopped") == "stopped")
            #expect(try await store.markLostNodes(leaseSeconds: 30).isEmpty)  // already lost
        }
    }

    @Test(
        "a clean stop hands the node's running jobs back at once, uncounted; its tokens can no longer write",
        arguments: Engine.postgresOnly)
    func stopHandsBack(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 4))])
            let a1 = try #require(try await store.claimNext(node: "a", leaseSeconds: 30, at: 1_100))
            let b1 = try #require(try await store.claimNext(node: "b", leaseSeconds: 30, at: 1_100))
            let a2 = try #require(try await store.claimNext(node: "a", leaseSeconds: 30, at: 1_100))
            let done = try #require(try await store.claimNext(node: "a", leaseSeconds: 30, at: 1_100))
            var finished = done.job
            finished.state = JobState(status: .completed, step: .finished)
            #expect(try await store.saveLeased(finished, token: done.token))

            #expect(try await store.stopNode(name: "a") == [a1.job.id, a2.job.id].sorted())
            for lease in [a1, a2] {
                let back = try #require(try await store.fetchJob(id: lease.job.id))
                #expect(back.status == .pending && back.step == .queued && back.attempt == 0)
                #expect(try await store.claimingNode(of: lease.job.id) == nil)
                var late = lease.job
                late.progress = JobProgress(recordedSeconds: 2, maxDurationSeconds: 10)
                #expect(try await store.saveLeased(late, token: lease.token) == false)
            }
            #expect(try await store.fetchJob(id: done.job.id)?.status == .completed)  // finished work stays
            // The other node's job runs on, and the handed-back jobs are the next claims.
            #expect(try await store.fetchJob(id: b1.job.id)?.status == .processing)
            #expect(try await store.saveLeased(b1.job, token: b1.token))
            // A claim racing the stop takes nothing; "b" gets the handed-back jobs, first in line.
            #expect(try await store.claimNext(node: "a", leaseSeconds: 30, at: 1_200) == nil)
            let again = try #require(try await store.claimNext(node: "b", leaseSeconds: 30, at: 1_200))
            #expect(again.job.id == a1.job.id && again.job.attempt == 1)
            guard case .started = try await store.registerNode(name: "a", leaseSeconds: 30, version: "", slots: 2)
            else { throw Failure("a stopped node's name must be free") }
            #expect(try await store.claimNext(node: "a", leaseSeconds: 30, at: 1_300)?.job.id == a2.job.id)
        }
    }

    @Test(
        "a node's restart recovery requeues only its own Processing jobs, never another live node's",
        arguments: Engine.postgresOnly)
    func requeueByNode(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 3))])
            let mine = try #require(try await store.claimNext(node: "a", leaseSeconds: 30, at: 1_100))
            let theirs = try #require(try await store.claimNext(node: "b", leaseSeconds: 30, at: 1_100))
            #expect(try await store.requeueProcessingJobs(node: "a") == [mine.job.id])
            let back = try #require(try await store.fetchJob(id: mine.job.id))
            #expect(back.status == .pending && back.attempt == 0)
            #expect(try await store.saveLeased(mine.job, token: mine.token) == false)
            let other = try #require(try await store.fetchJob(id: theirs.job.id))
            #expect(other.status == .processing && other.attempt == 1)
            #expect(try await store.claimingNode(of: theirs.job.id) == "b")
            #expect(try await store.saveLeased(theirs.job, token: theirs.token))
            #expect(try await store.requeueProcessingJobs(node: "a").isEmpty)
        }
    }

    @Test(
        "a lost node's expired leases are rescued by a live node and claimed again, uncounted; the lost node is fenced",
        arguments: Engine.postgresOnly)
    func rescueLostNode(engine: Engine) async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
        try await engine.withStore { store in
            let store = try #require(store as? PostgresStore)
            for name in ["live", "doomed"] {
                _ = try await store.registerNode(name: name, leaseSeconds: 30, version: "", slots: 2)
            }
            let batch = makeBatch()
            _ = try await store.insertBatches([(batch, makeJobs(batchID: batch.id, count: 3))])
            let kept = try #require(try await store.claimNext(node: "live", leaseSeconds: 30, at: 1_100))
            let lost1 = try #require(try await store.claimNext(node: "doomed", leaseSeconds: 30, at: 1_100))
            let lost2 = try #require(try await store.claimNext(node: "doomed", leaseSeconds: 30, at: 1_100))
            // "doomed" stops beating; its leases run out; "live" keeps beating.
            try await store.silenceNode("doomed", seconds: 31)
            try await store.expireLeases(of: lost1.job.id)
            try await store.expireLeases(of: lost2.job.id)
            #expect(try await store.heartbeat(node: "live", leaseSeconds: 30) == 1)
            #expect(try await store.markLostNodes(leaseSeconds: 30) == ["doomed"])
            #expect(try await store.rescueExpiredLeases().sorted() == [lost1.job.id, lost2.job.id].sorted())

            let retaken = [
                try #require(try await store.claimNext(node: "live", leaseSeconds: 30, at: 1_200)),
                try #require(try await store.claimNext(node: "live", leaseSeconds: 30, at: 1_200)),
            ]
            #expect(Set(retaken.map(\.job.id)) == [lost1.job.id, lost2.job.id])
            #expect(retaken.allSatisfy { $0.job.attempt == 1 })
            for lease in [lost1, lost2] {
                var zombie = lease.job
                zombie.state = JobState(status: .completed, step: .finished)
                #expect(try await store.saveLeased(zombie, token: lease.token) == false)
                #expect(try await store.fetchJob(id: lease.job.id)?.status == .processing)
                #expect(try await store.claimingNode(of: lease.job.id) == "live")
            }
            #expect(try await store.saveLeased(kept.job, token: kept.token))
        }
    }
}

/// A test failure with a message, for `guard … else { throw }`.
struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
