import Foundation
import Testing

/// `scripts/bench --smoke`: every benchmark measure at tiny sizes, with the debug binary, so the
/// benchmark command cannot rot (issue 7). The full run (`scripts/bench`) writes BENCHMARKS.md.
@Suite("End to end: benchmark smoke run", .serialized, .timeLimit(.minutes(5)))
struct BenchmarkSmokeTests {
    @Test("scripts/bench --smoke runs all six measures and prints a number for each")
    func smoke() throws {
        let script = Paths.packageRoot.appendingPathComponent("scripts/bench")
        let python = try Paths.which("python3")
        let spool = try Paths.spoolBinary().path
        let scratch = try Paths.makeTempDir("spool-bench-smoke")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try runCommand(
            python, [script.path, "--smoke", "--spool", spool, "--dir", scratch.path + "/work"],
            cwd: Paths.packageRoot, timeout: 240)
        #expect(result.status == 0, "scripts/bench --smoke failed:\n\(result.output)")

        let lines = result.stdout.split(separator: "\n").map(String.init)
        let expected: [Int: [String]] = [
            1: ["p50_ms", "p99_ms", "base_p50_ms"],
            2: ["spool_s", "base_s", "ratio", "peak_rss_mib"],
            3: ["spool_s", "xargs_s", "ratio"],
            4: ["spool_s", "sequential_s", "speedup"],
            5: ["idle_percent", "dotfiles_percent"],
            6: ["clean_s", "crash_s", "rebuild_s"],
        ]
        for (measure, keys) in expected.sorted(by: { $0.key < $1.key }) {
            let line = lines.first { $0.hasPrefix("MEASURE \(measure) ") }
            #expect(line != nil, "measure \(measure) printed nothing:\n\(result.output)")
            guard let line else { continue }
            var values: [String: String] = [:]
            for field in line.split(separator: " ").dropFirst(2) {
                let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { values[parts[0]] = parts[1] }
            }
            for key in keys {
                let number = values[key].flatMap(Double.init)
                #expect(number != nil && number!.isFinite, "measure \(measure): \(key) is not a number in \(line)")
            }
        }
        // The table is printed, one row per measure.
        #expect(lines.contains { $0.hasPrefix("| 6 |") }, "no table:\n\(result.stdout)")
    }
}
