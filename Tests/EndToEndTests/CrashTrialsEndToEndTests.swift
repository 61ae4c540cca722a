import Foundation
import Testing

/// SPEC §8 under `kill -9`: `scripts/crash-trials` (the full run is 30 trials; CI runs 5).
@Suite("End to end: kill -9 crash trials", .serialized, .timeLimit(.minutes(10)))
struct CrashTrialsEndToEndTests {
    @Test("5 kill -9 trials: no batch lost, no job completed twice, no partial file, status equals store")
    func fiveTrials() async throws {
        let script = Paths.packageRoot.appendingPathComponent("scripts/crash-trials")
        let python = try Paths.which("python3")
        let spool = try Paths.spoolBinary().path
        let result = try runCommand(
            python, [script.path, "--trials", "5", "--spool", spool], cwd: Paths.packageRoot, timeout: 540)
        let lastLine = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(result.status == 0, "crash trials failed:\n\(result.output)")
        #expect(lastLine.hasSuffix(" 0 failed"), "\(lastLine)")
        #expect(result.stdout.contains("ok   status files equal the store"), "\(result.stdout)")
    }
}
