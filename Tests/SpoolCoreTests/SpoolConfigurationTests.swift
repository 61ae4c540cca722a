import Foundation
import Testing

@testable import SpoolCore

@Suite("Configuration")
struct SpoolConfigurationTests {
    @Test func emptyObjectGivesDefaults() throws {
        #expect(try ConfigFixture.load("{}") == SpoolConfiguration())
    }

    @Test func knownKeysAreRead() throws {
        let config = try ConfigFixture.load(
            #"{"downloads": 5, "api_keys": ["a"], "allow_private_network": true, "rescan_interval_s": 2.5}"#)
        #expect(config.downloads == 5)
        #expect(config.apiKeys == ["a"])
        #expect(config.allowPrivateNetwork)
        #expect(config.rescanIntervalSeconds == 2.5)
    }

    @Test func unknownKeysAreRejectedByName() throws {
        let message = try ConfigFixture.problem(file: #"{"downlods": 5, "zzz": 1}"#)
        #expect(message?.hasPrefix("PATH: unknown configuration key(s): downlods, zzz;") == true, "\(message ?? "")")
    }

    @Test(arguments: [
        (#"{"downloads": 0}"#, "downloads must be at least 1"),
        (#"{"name_conflict": "rename"}"#, "name_conflict must be one of suffix, overwrite, fail"),
        (#"{"rescan_interval_s": 0}"#, "rescan_interval_s must be greater than 0"),
    ])
    func outOfRangeValuesAreRejected(json: String, message: String) throws {
        #expect(try ConfigFixture.problem(file: json) == "\(message) (in PATH)")
    }

    @Test func notAnObjectIsRejected() throws {
        #expect(try ConfigFixture.problem(file: "[]") == "PATH: the configuration must be a JSON object")
    }

    @Test("check names the key it failed on, for the loader to say where the value was set")
    func checkNamesTheKey() {
        var config = SpoolConfiguration()
        config.retries = -1
        #expect {
            try config.check()
        } throws: { error in
            let error = error as? ConfigurationError
            return error?.message == "retries must be 0 or more" && error?.key == "retries"
        }
        #expect(throws: Never.self) { try SpoolConfiguration().check() }
    }

    @Test("the _s values as durations, in whole milliseconds as the daemon converts them")
    func durations() {
        var config = SpoolConfiguration()
        config.rescanIntervalSeconds = 0.25
        config.incompleteGraceSeconds = 1.0005
        config.waitForVideoLimitSeconds = 1e300
        #expect(config.rescanInterval == .milliseconds(250))
        #expect(config.incompleteGrace == .milliseconds(1000))
        #expect(config.retryBaseDelay == .seconds(2))
        #expect(config.socketTimeout == .seconds(10))
        #expect(config.liveReconnectGrace == .seconds(30))
        #expect(config.waitForVideoLimit == .milliseconds(Int.max), "capped, not a trap")
    }

    @Test("closed sets are enums, encoded by their names")
    func closedSets() throws {
        #expect(NameConflict.allCases.map(\.rawValue) == ["suffix", "overwrite", "fail"])
        #expect(
            LogLevel.allCases.map(\.rawValue) == ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        var effective = EffectiveConfiguration()
        effective.configuration.nameConflict = .overwrite
        #expect(effective.value(of: "name_conflict") == .string("overwrite"))
        #expect(effective.value(of: "log_level") == .string("info"))
        #expect(try JSONEncoder().encode([NameConflict.fail]) == Data(#"["fail"]"#.utf8))
        #expect(try JSONDecoder().decode([LogLevel].self, from: Data(#"["debug"]"#.utf8)) == [.debug])
    }
}
