import Foundation
import GRDB
import Logging
import SpoolCore
import SpoolPostgres
import SpoolStore
import Testing

/// What only the PostgreSQL engine has: migrations on a shared server, racing nodes, the copy from
/// SQLite, URLs and authentication.
@Suite("PostgreSQL engine", .timeLimit(.minutes(3)))
struct PostgresEngineTests {
    @Test("migrations from empty: recorded once, a second run applies nothing", arguments: Engine.postgresOnly)
    func migrations(engine: Engine) async throws {
        try await requirePostgres()
        let server = try TestPostgres.shared()
        let database = try server.makeDatabase()
        let url = try server.socketURL(database)
        try await PostgresStore.withStore(url: url, logger: Engine.logger, migrate: false) { store in
            let applied = try await store.migrate()
            #expect(applied == Array(1...applied.count) && !applied.isEmpty)
            #expect(try await store.migrate().isEmpty)
            #expect(try await store.appliedMigrations() == applied)
        }
        let tables = try server.psql(
            database, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")
        #expect(
            tables.trimmingCharacters(in: .whitespacesAndNewlines)
                == "batch,job,node,schema_migrations,startup_seal,status_dirty,webhook")
    }

    @Test(
        "two clients racing startAttempt on the same jobs: each job starts exactly once", arguments: Engine.postgresOnly
    )
    func racingStarts(engine: Engine) async throws {
        try await requirePostgres()
        let server = try TestPostgres.shared()
        let url = try server.socketURL(try server.makeDatabase())
        let batch = makeBatch()
        let jobs = makeJobs(batchID: batch.id, count: 60)
        try await PostgresStore.withStore(url: url, logger: Engine.logger) { store in
            _ = try await store.insertBatches([(batch, jobs)])
        }
        // Two clients (two pools, like two nodes), each trying every job, interleaved.
        let wins = try await withThrowingTaskGroup(of: [String].self) { group in
            for node in 0..<2 {
                group.addTask {
                    try await PostgresStore.withStore(url: url, logger: Engine.logger) { store in
                        try await withThrowingTaskGroup(of: String?.self) { attempts in
                            for job in node == 0 ? jobs : jobs.reversed() {
                                attempts.addTask { try await store.startAttempt(id: job.id, at: 2_000)?.id }
                            }
                            var won: [String] = []
                            for try await id in attempts { if let id { won.append(id) } }
                            return won
                        }
                    }
                }
            }
            var all: [[String]] = []
            for try await won in group { all.append(won) }
            return all
        }
        let started = wins.flatMap { $0 }
        #expect(started.count == jobs.count)
        #expect(Set(started) == Set(jobs.map(\.id)))
        try await PostgresStore.withStore(url: url, logger: Engine.logger) { store in
            let all = try await store.fetchAllJobs()
            #expect(all.allSatisfy { $0.status == .processing && $0.attempt == 1 })
        }
    }

    @Test(
        "copy from SQLite: every column byte for byte, digests checked; a non-empty target is refused",
        arguments: Engine.postgresOnly)
    func copyFromSQLite(engine: Engine) async throws {
        try await requirePostgres()
        let source = try Store(writer: DatabaseQueue())
        let keyed = makeBatch(claim: "a.json", key: "key-a", createdAt: 1_000)
        let plain = makeBatch(claim: "b.json", createdAt: 2_000)
        var keyedJobs = makeJobs(batchID: keyed.id, count: 5)
        keyedJobs.append(everyField(batchID: keyed.id, position: 5))
        _ = try source.createBatches([
            (keyed, keyedJobs), (plain, makeJobs(batchID: plain.id, count: 3, createdAt: 2_000)),
        ])
        _ = try source.startJob(id: keyedJobs[0].id, at: 1_200)
        try source.setBatchFinished(id: plain.id, at: 3_000)
        // Webhook deliveries: one pending, one with every column set.
        let pendingHook = WebhookRecord(jobId: keyedJobs[0].id, url: "https://example.com/hook?é=1", progress: true)
        var delivered = WebhookRecord(jobId: keyedJobs[5].id, url: "https://example.com/done", progress: false)
        try source.insertWebhook(pendingHook)
        try source.insertWebhook(delivered)
        delivered.state = .delivered
        delivered.attempts = 3
        delivered.nextAttemptAt = 4_000
        delivered.lastProgressAt = 3_500
        delivered.lastError = "HTTP 502 at attempt 2"
        try source.saveWebhook(delivered)
        let deliveredHook = delivered

        let server = try TestPostgres.shared()
        let url = try server.tcpURL(try server.makeDatabase())
        try await PostgresStore.withStore(url: url, logger: Engine.logger) { target in
            let report = try await StoreCopier.copy(from: source, to: target, targetName: url.description)
            #expect(report.batches == 2 && report.jobs == 9 && report.webhooks == 2 && report.idempotencyKeys == 1)
            #expect(report.jobsByStatus == ["Pending": 7, "Processing": 1, "Completed": 1])
            #expect(report.jobDigest.count == 64 && report.batchDigest != report.jobDigest)
            #expect(report.webhookDigest.count == 64 && report.webhookDigest != report.jobDigest)
            #expect(try await target.fetchWebhook(jobID: pendingHook.jobId) == pendingHook)
            #expect(try await target.fetchWebhook(jobID: deliveredHook.jobId) == deliveredHook)
            #expect(try await target.fetchWebhookStates() == (try source.webhookStates()))
            #expect(try await target.fetchBatches() == (try source.batches()))
            #expect(
                try await target.fetchAllJobs().sorted { $0.id < $1.id }
                    == (try source.allJobs()).sorted { $0.id < $1.id })

            let again = await #expect(throws: StoreCopier.CopyError.self) {
                try await StoreCopier.copy(from: source, to: target, targetName: url.description)
            }
            #expect("\(again.map { "\($0)" } ?? "")".contains("not empty (2 batches, 9 jobs)"))
            #expect(try await target.fetchAllJobs().count == 9)
        }
    }

    @Test("a wrong password is an authentication error that names neither password", arguments: Engine.postgresOnly)
    func wrongPassword(engine: Engine) async throws {
        try await requirePostgres()
        let server = try TestPostgres.shared()
        let url = try server.tcpURL(try server.makeDatabase(), password: "wrong-horse-battery")
        #expect(url.description.contains("***") && !url.description.contains("wrong-horse-battery"))
        let error = await #expect(throws: PostgresStoreError.self) {
            try await PostgresStore.withStore(url: url, logger: Engine.logger) { _ in }
        }
        #expect(error?.isAuthenticationFailure == true, "\(String(describing: error))")
        let text = "\(String(describing: error)) \(String(reflecting: error))"
        #expect(!text.contains("wrong-horse-battery") && !text.contains(TestPostgres.rolePassword))
    }

    private func requirePostgres() async throws {
        try #require(TestPostgres.available, "SPOOL_E2E_NO_SKIP=1 and no PostgreSQL server is installed here")
    }
}
