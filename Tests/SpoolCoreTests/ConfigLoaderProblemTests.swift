import Foundation
import Testing

@testable import SpoolCore

/// One bad configuration: a file (or none), variables and flags, and the exact message it gives.
struct BadConfiguration: Sendable, CustomTestStringConvertible {
    var file: String?
    var environment: [String: String] = [:]
    var flags: [String: ConfigValue] = [:]
    var message: String
    var testDescription: String { message }
}

@Suite("Configuration loader: problems")
struct ConfigLoaderProblemTests {
    static let cases: [BadConfiguration] = [
        // Each message names the key, what to do, and where the value was set.
        .init(file: #"{"downloads": 0}"#, message: "downloads must be at least 1 (in PATH)"),
        .init(
            file: #"{"rescan_interval_s": "fast"}"#,
            message: #"rescan_interval_s must be a number, not "fast" (in PATH)"#),
        .init(file: #"{"downloads": 2.5}"#, message: "downloads must be a whole number, not 2.5 (in PATH)"),
        .init(
            file: #"{"downloads": 100000000000000000000}"#,
            message: "downloads must be a whole number, not 100000000000000000000 (in PATH)"),
        .init(
            file: #"{"downloads": 9e15}"#,
            message: "downloads must be a whole number, not 9000000000000000 (in PATH)"),
        .init(file: #"{"downloads": true}"#, message: "downloads must be a whole number, not true (in PATH)"),
        .init(file: #"{"downloads": null}"#, message: "downloads cannot be null (in PATH)"),
        .init(file: #"{"inbox": ""}"#, message: "inbox must not be empty (in PATH)"),
        .init(file: #"{"api_keys": [1]}"#, message: "api_keys must be a list of strings, not [1] (in PATH)"),
        .init(
            file: #"{"rescan_interval_s": {"a":1}}"#,
            message: #"rescan_interval_s must be a number, not {"a":1} (in PATH)"#),
        .init(
            file: #"{"scan_only": "true"}"#,
            message: #"scan_only must be true or false, not "true" (in PATH)"#),
        .init(
            file: #"{"name_conflict": "replace"}"#,
            message: "name_conflict must be one of suffix, overwrite, fail (in PATH)"),
        .init(
            file: #"{"log_level": "loud"}"#,
            message:
                #"log_level must be one of trace, debug, info, notice, warning, error, critical, not "loud" (in PATH)"#),
        .init(file: #"{"metrics_interval_s": -1}"#, message: "metrics_interval_s must be 0 (off) or more (in PATH)"),
        .init(
            environment: ["SPOOL_DOWNLOADS": "many"],
            message: #"downloads must be a whole number, not "many" (set by SPOOL_DOWNLOADS)"#),
        .init(
            environment: ["SPOOL_ALLOW_PRIVATE_NETWORK": "maybe"],
            message: #"allow_private_network must be true or false, not "maybe" (set by SPOOL_ALLOW_PRIVATE_NETWORK)"#),
        .init(
            environment: ["SPOOL_RESCAN_INTERVAL_S": "inf"],
            message: #"rescan_interval_s must be a number, not "inf" (set by SPOOL_RESCAN_INTERVAL_S)"#),
        .init(
            environment: ["SPOOL_DOWNLOADS": "null"],
            message: #"downloads must be a whole number, not "null" (set by SPOOL_DOWNLOADS)"#),
        .init(flags: ["inbox": .string("")], message: "inbox must not be empty (set by --inbox)"),
        .init(
            flags: ["rescan_interval_s": .number(.nan)],
            message: "rescan_interval_s must be a number, not nan (set by --rescan-interval-s)"),
        .init(
            flags: ["log_level": .string("loud")],
            message:
                #"log_level must be one of trace, debug, info, notice, warning, error, critical, not "loud" (set by --log-level)"#
        ),
        // A bad variable stops start-up even under a flag that overrides it.
        .init(
            environment: ["SPOOL_DOWNLOADS": "many"], flags: ["downloads": .integer(8)],
            message: #"downloads must be a whole number, not "many" (set by SPOOL_DOWNLOADS)"#),
        // The order of checks: variables, types, unknown keys, ranges, then the closed sets.
        .init(
            file: #"{"retries": "x"}"#, environment: ["SPOOL_DOWNLOADS": "x"],
            message: #"downloads must be a whole number, not "x" (set by SPOOL_DOWNLOADS)"#),
        .init(
            file: #"{"zzz": 1, "downloads": "x"}"#,
            message: #"downloads must be a whole number, not "x" (in PATH)"#),
        .init(file: #"{"name_conflict": "x", "downloads": 0}"#, message: "downloads must be at least 1 (in PATH)"),
        .init(
            file: #"{"log_level": "x", "metrics_interval_s": -1}"#,
            message: "metrics_interval_s must be 0 (off) or more (in PATH)"),
        // The file itself.
        .init(
            file: #"{"downloads": 2"#,
            message: "PATH is not valid JSON: Unexpected end of file during JSON parse."),
        .init(file: "[]", message: "PATH: the configuration must be a JSON object"),
        .init(
            environment: ["SPOOL_CONFIG": "/nonexistent/spool.json"],
            message: "cannot read the configuration file /nonexistent/spool.json"),
    ]

    @Test("a bad value is rejected with a message naming the key, what to do and where it was set", arguments: cases)
    func rejected(_ bad: BadConfiguration) throws {
        let message = try ConfigFixture.problem(file: bad.file, environment: bad.environment, flags: bad.flags)
        #expect(message == bad.message)
    }

    @Test("an API keys file: one key a line, blank lines and # comments ignored; none is an error")
    func apiKeysFile() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("spool-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = directory.appendingPathComponent("keys").path
        try Data("# ops\n k1 \n\nk2\n".utf8).write(to: URL(fileURLWithPath: keys))
        #expect(try ConfigLoader.readAPIKeys(file: keys) == ["k1", "k2"])
        try Data("# none\n".utf8).write(to: URL(fileURLWithPath: keys))
        #expect(throws: ConfigurationError.self) { try ConfigLoader.readAPIKeys(file: keys) }
    }

    @Test("the key table and the values agree: every SpoolConfiguration key is in it, the rest are the CLI's")
    func keyTable() {
        let coded = Set(SpoolConfiguration.CodingKeys.allCases.map(\.rawValue))
        #expect(Set(ConfigKey.all.filter { !$0.cliOnly }.map(\.name)) == coded)
        #expect(ConfigKey.all.filter(\.cliOnly).map(\.name) == ["api_keys_file", "metrics_interval_s", "log_level"])
        #expect(ConfigKey.named("downloads")?.environmentVariable == "SPOOL_DOWNLOADS")
    }
}
