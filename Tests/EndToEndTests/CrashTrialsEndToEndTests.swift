import Foundation
import Testing

/// folder-contract §8 under `kill -9`: `scripts/crash-trials` (the full run is 30 trials; CI runs 5).
///
/// Limits, aligned: the trials take about a minute, then the script drains for at most `drainSeconds` and
/// stops spool within 15 s; the test kills the script's whole session (spool and its tools included) at
/// `deadlineSeconds`; the suite's limit (10 min) is above both. `SPOOL_CRASH_SEED=N` replays a seed.
@Suite("End to end: kill -9 crash trials", .serialized, .timeLimit(.minutes(10)))
struct CrashTrialsEndToEndTests {
    static let drainSeconds = 360
    static let deadlineSeconds = 540.0

    @Test("5 kill -9 trials: no batch lost, no job completed twice, no partial file, status equals store")
    func fiveTrials() async throws {
        let script = Paths.packageRoot.appendingPathComponent("scripts/crash-trials")
        let python = try Paths.which("python3")
        let spool = try Paths.spoolBinary().path
        let replaySeed = ProcessInfo.processInfo.environment["SPOOL_CRASH_SEED"]
        let run = try await runInSession(
            "scripts/crash-trials", python,
            [script.path, "--trials", "5", "--spool", spool, "--drain-timeout", "\(Self.drainSeconds)"]
                + (replaySeed.map { ["--seed", $0] } ?? []),
            cwd: Paths.packageRoot, timeout: Self.deadlineSeconds,
            strayToken: { $0.firstMatch(of: /, root (\S+)/).map { String($0.1) } })
        let seed = try #require(
            run.output.firstMatch(of: /\[crash-trials\] seed (\d+)/).map { String($0.1) },
            "the seed is not logged:\n\(run.output)")
        if let replaySeed { #expect(seed == replaySeed, "asked to replay seed \(replaySeed)") }
        let replay = "replay with SPOOL_CRASH_SEED=\(seed) (scripts/crash-trials --trials 5 --seed \(seed))"
        #expect(run.status == 0, "crash trials failed; \(replay):\n\(run.output)")
        #expect(run.lastLine.hasSuffix(" 0 failed"), "\(run.lastLine); \(replay)")
        #expect(run.output.contains("ok   status files equal the store"), "\(replay):\n\(run.output)")
        #expect(run.output.contains("ok   one batch per drop"), "\(replay):\n\(run.output)")
        #expect(run.leftovers.isEmpty, "the script left processes running: \(run.leftovers)")
    }
}
