import Foundation
import Testing

/// folder-contract §8 under `kill -9`: `scripts/crash-trials` (the full run is 30 trials; CI runs 5 on SQLite
/// and 3 on a throwaway PostgreSQL server, where the node rules across restarts are checked too, and 3 with
/// three nodes on that server, one of them killed and restarted in each trial).
///
/// Limits, aligned: the trials take about a minute, then the script drains for at most `drainSeconds` and
/// stops spool within 15 s; the test kills the script's whole session (spool, its tools and the PostgreSQL
/// server included) at `deadlineSeconds`; each test's limit (10 min) is above both. `SPOOL_CRASH_SEED=N`
/// replays a seed.
@Suite("End to end: kill -9 crash trials", .serialized, .timeLimit(.minutes(10)))
struct CrashTrialsEndToEndTests {
    static let drainSeconds = 360
    static let deadlineSeconds = 540.0

    @Test("5 kill -9 trials: no batch lost, no job completed twice, no partial file, status equals store")
    func fiveTrials() async throws {
        let run = try await crashTrials(trials: 5, database: "sqlite")
        #expect(run.output.contains("database sqlite"), "\(run.output)")
    }

    @Test(
        "3 kill -9 trials on PostgreSQL: the same invariants, a restart within the lease takes its row back (never exit 78), node row stopped at the end",
        .timeLimit(.minutes(10)),
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func postgresTrials() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let run = try await crashTrials(trials: 3, database: "postgres")
        #expect(run.output.contains("database postgres"), "\(run.output)")
        #expect(
            run.output.contains("ok   trials-1: starts right after a kill -9 (within the lease) happened"),
            "\(run.output)")
        #expect(
            run.output.contains("ok   no start refused (exit 78): a restart takes its dead run's row back"),
            "\(run.output)")
        #expect(run.output.contains("ok   trials-1: the graceful stop left the node row stopped"), "\(run.output)")
        #expect(run.output.contains("ok   the database password is in no log line or file under the root"))
        #expect(run.output.contains("postgres://spool:***@127.0.0.1:"), "the masked URL is not logged")
    }

    @Test(
        "3 kill -9 trials on three nodes (PostgreSQL, one root): a random node killed and restarted each trial, the same invariants, every node stopped at the end",
        .timeLimit(.minutes(10)),
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func threeNodeTrials() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let run = try await crashTrials(trials: 3, database: "postgres", nodes: 3)
        #expect(run.output.contains("database postgres, nodes 3"), "\(run.output)")
        for node in ["trials-1", "trials-2", "trials-3"] {
            #expect(run.output.contains("ok   \(node): the graceful stop left the node row stopped"), "\(run.output)")
        }
        #expect(run.output.contains("ok   the database password is in no log line or file under the root"))
    }

    /// Runs `scripts/crash-trials` in its own session and checks what both stores share; its run.
    private func crashTrials(trials: Int, database: String, nodes: Int = 1) async throws -> SessionRun {
        let script = Paths.packageRoot.appendingPathComponent("scripts/crash-trials")
        let python = try Paths.which("python3")
        let spool = try Paths.spoolBinary().path
        let replaySeed = ProcessInfo.processInfo.environment["SPOOL_CRASH_SEED"]
        let run = try await runInSession(
            "scripts/crash-trials", python,
            [
                script.path, "--trials", "\(trials)", "--database", database, "--spool", spool, "--drain-timeout",
                "\(Self.drainSeconds)", "--nodes", "\(nodes)",
            ] + (replaySeed.map { ["--seed", $0] } ?? []),
            cwd: Paths.packageRoot, timeout: Self.deadlineSeconds,
            // The work directory holds the root and the PostgreSQL server's data directory.
            strayToken: { $0.firstMatch(of: /, work (\S+),/).map { String($0.1) } })
        let seed = try #require(
            run.output.firstMatch(of: /\[crash-trials\] seed (\d+)/).map { String($0.1) },
            "the seed is not logged:\n\(run.output)")
        if let replaySeed { #expect(seed == replaySeed, "asked to replay seed \(replaySeed)") }
        let replay =
            "replay with SPOOL_CRASH_SEED=\(seed) (scripts/crash-trials --trials \(trials) --seed \(seed) --database \(database) --nodes \(nodes))"
        #expect(run.status == 0, "crash trials failed; \(replay):\n\(run.output)")
        #expect(run.lastLine.hasSuffix(" 0 failed"), "\(run.lastLine); \(replay)")
        #expect(run.output.contains("ok   status files equal the store"), "\(replay):\n\(run.output)")
        #expect(run.output.contains("ok   one batch per drop"), "\(replay):\n\(run.output)")
        #expect(run.leftovers.isEmpty, "the script left processes running: \(run.leftovers)")
        return run
    }
}
