import Foundation
import Testing

/// What measures 7 and 8 need: the bucket tools and wrk.
private let hasUploadAndHTTPTools = hasBucketTools && (try? Paths.which("wrk")) != nil

/// `scripts/bench --smoke`: every benchmark measure at tiny sizes, with the debug binary, so the
/// benchmark command cannot rot (issue 7). The full run (`scripts/bench`) writes BENCHMARKS.md.
@Suite("End to end: benchmark smoke run", .serialized, .timeLimit(.minutes(5)))
struct BenchmarkSmokeTests {
    /// Each measure's keys with the range a smoke run (tiny sizes, debug binary, two busy cores) stays in.
    /// Wide on purpose: they catch a unit slip, a zero, a negative or a run that did nothing, not a slowdown.
    static let plausible: [Int: [(key: String, range: ClosedRange<Double>)]] = [
        1: [
            ("p50_ms", 0.01...2_000), ("p99_ms", 0.01...5_000), ("base_p50_ms", 0.01...2_000),
            ("base_p99_ms", 0.01...5_000), ("fair_p50_ms", 0.01...2_000), ("fair_p99_ms", 0.01...5_000),
        ],
        2: [
            ("spool_s", 0.001...60), ("base_s", 0.0001...30), ("ratio", 0.001...10_000),
            ("peak_rss_mib", 4...1_024),
        ],
        3: [("spool_s", 0.1...180), ("xargs_s", 0.1...180), ("ratio", 0.05...20)],
        4: [("spool_s", 0.1...180), ("sequential_s", 0.1...180), ("speedup", 0.05...20)],
        5: [("idle_percent", 0...200), ("dotfiles_percent", 0...200)],
        6: [("clean_s", 0.001...60), ("crash_s", 0.001...60), ("rebuild_s", 0.001...60), ("jobs", 1...1_000_000)],
    ]

    @Test("scripts/bench --smoke prints one line for each of the six measures, every value in its plausible range")
    func smoke() async throws {
        let output = try await runBench(only: "1,2,3,4,5,6", timeout: 240)
        let lines = output.split(separator: "\n").map(String.init)
        let measureLines = lines.filter { $0.hasPrefix("MEASURE ") }
        #expect(
            measureLines.compactMap { Int($0.split(separator: " ")[1]) }.sorted() == Array(1...6),
            "exactly one MEASURE line per measure:\n\(measureLines.joined(separator: "\n"))")
        var values: [Int: [String: Double]] = [:]
        for (measure, expected) in Self.plausible.sorted(by: { $0.key < $1.key }) {
            let line = try #require(
                lines.first { $0.hasPrefix("MEASURE \(measure) ") },
                "measure \(measure) printed nothing:\n\(output)")
            values[measure] = fields(line)
            for (key, range) in expected {
                let value = try #require(values[measure]?[key], "measure \(measure): no number for \(key) in \(line)")
                #expect(range.contains(value), "measure \(measure): \(key)=\(value) is outside \(range) in \(line)")
            }
        }
        // Consistency within a run: measures 3 and 4 time the same spool run; a p99 is not below its p50.
        #expect(values[3]?["spool_s"] == values[4]?["spool_s"], "\(values)")
        #expect((values[1]?["p99_ms"] ?? 0) >= (values[1]?["p50_ms"] ?? .infinity), "\(values[1] ?? [:])")
        expectRows(1...6, in: output)
    }

    /// Measures 9, 10, 11 and 12 (issue 12): measures 1 and 2 on SQLite and on a throwaway PostgreSQL in one
    /// run, claims/s and heartbeats/s under pgbench, and two nodes beside one. Every figure must be there and
    /// positive.
    static let engineKeys: [(prefix: String, keys: [String])] = [
        ("MEASURE 9 engine=sqlite ", ["p50_ms", "p99_ms"]), ("MEASURE 9 engine=postgres ", ["p50_ms", "p99_ms"]),
        ("MEASURE 9 ratio_p50=", ["ratio_p50", "ratio_p99"]),
        ("MEASURE 10 engine=sqlite ", ["jobs", "burst_s", "jobs_per_s"]),
        ("MEASURE 10 engine=postgres ", ["jobs", "burst_s", "jobs_per_s"]), ("MEASURE 10 ratio=", ["ratio"]),
        (
            "MEASURE 11 ",
            [
                "jobs", "c1_claims_per_s", "c4_claims_per_s", "c8_claims_per_s", "c1_heartbeats_per_s",
                "c4_heartbeats_per_s", "c8_heartbeats_per_s",
            ]
        ),
        (
            "MEASURE 12 ",
            ["one_node_s", "two_nodes_s", "ratio", "claim_ms", "heartbeat_ms", "overhead_ms_per_job"]
        ),
    ]

    @Test(
        "scripts/bench --smoke --only 9,10,11,12: SQLite beside PostgreSQL, claims/s and heartbeats/s, two nodes beside one, every figure > 0",
        .timeLimit(.minutes(8)),
        .needs(PostgresServer.available, "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"))
    func smokePostgres() async throws {
        try requireMachine(PostgresServer.available, "PostgreSQL server binaries are not installed")
        let output = try await runBench(only: "9,10,11,12", timeout: 420)
        #expect(!output.contains("postgres://spool:"), "a database URL with its password was printed")
        try expectPositive(Self.engineKeys, in: output)
        expectRows(9...12, in: output)
    }

    /// Measures 7 and 8: spool's upload step beside `rclone copy` to the same SeaweedFS, and the HTTP API beside
    /// dropping the same batches and beside a static server. Both in one run: each keeps its own figures.
    static let uploadAndHTTPKeys: [(prefix: String, keys: [String])] = [
        ("MEASURE 7 ", ["files", "bytes", "spool_s", "rclone_s", "spool_mbps", "rclone_mbps", "ratio"]),
        ("MEASURE 8 ", ["post_p50_ms", "post_p99_ms", "drop_p50_ms", "drop_p99_ms", "get_rps", "static_rps"]),
    ]

    @Test(
        "scripts/bench --smoke --only 7,8: bucket upload beside rclone copy, HTTP beside a drop and a static server, a table row each",
        .timeLimit(.minutes(5)),
        .needs(hasUploadAndHTTPTools, "weed, rclone, curl or wrk is missing"))
    func smokeUploadAndHTTP() async throws {
        try requireMachine(hasUploadAndHTTPTools, "weed, rclone, curl and wrk (scripts/ensure-deps.sh)")
        let output = try await runBench(only: "7,8", timeout: 240)
        let secret = try Regex("bench-[0-9a-f]{32}")
        #expect(!output.contains(secret), "the bucket's secret key (bench-<32 hex>) was printed")
        try expectPositive(Self.uploadAndHTTPKeys, in: output)
        expectRows(7...8, in: output)
    }

    /// Runs `scripts/bench --smoke --only <only>` with the debug binary in a scratch directory of its own; its
    /// output, once it exited 0 and left nothing running.
    private func runBench(only: String, timeout: Double) async throws -> String {
        let script = Paths.packageRoot.appendingPathComponent("scripts/bench")
        let python = try Paths.which("python3")
        let spool = try Paths.spoolBinary().path
        let scratch = try Paths.makeTempDir("spool-bench-smoke-" + only.replacingOccurrences(of: ",", with: ""))
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try await runInSession(
            "scripts/bench --smoke --only \(only)", python,
            [script.path, "--smoke", "--only", only, "--spool", spool, "--dir", scratch.path + "/work"],
            cwd: Paths.packageRoot, timeout: timeout, strayToken: { _ in scratch.path })
        #expect(result.status == 0, "scripts/bench --smoke --only \(only) failed:\n\(result.output)")
        #expect(result.leftovers.isEmpty, "the bench left processes running: \(result.leftovers)")
        return result.output
    }

    /// Every line `prefix` is printed, and each of its `keys` is a positive number.
    private func expectPositive(_ expected: [(prefix: String, keys: [String])], in output: String) throws {
        let lines = output.split(separator: "\n").map(String.init)
        for (prefix, keys) in expected {
            let line = try #require(lines.first { $0.hasPrefix(prefix) }, "no line \(prefix)…:\n\(output)")
            let values = fields(line)
            for key in keys {
                let value = try #require(values[key], "no number for \(key) in \(line)")
                #expect(value > 0, "\(key)=\(value) is not positive in \(line)")
            }
        }
    }

    /// One table for every measure that ran (issue 15): a row each.
    private func expectRows(_ rows: ClosedRange<Int>, in output: String) {
        let lines = output.split(separator: "\n")
        for row in rows {
            #expect(lines.contains { $0.hasPrefix("| \(row) |") }, "no table row \(row):\n\(output)")
        }
    }

    /// `key=value` fields of a MEASURE line whose values are numbers.
    private func fields(_ line: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for field in line.split(separator: " ").dropFirst(2) {
            let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2, let number = Double(parts[1]), number.isFinite { result[parts[0]] = number }
        }
        return result
    }
}
