import Foundation
import Testing

@testable import SpoolCore

@Suite("Configuration")
struct SpoolConfigurationTests {
    @Test func emptyObjectGivesDefaults() throws {
        #expect(try SpoolConfiguration.load(from: Data("{}".utf8)) == SpoolConfiguration())
    }

    @Test func knownKeysAreRead() throws {
        let config = try SpoolConfiguration.load(
            from: Data(
                #"{"downloads": 5, "api_keys": ["a"], "allow_private_network": true, "rescan_interval_s": 2.5}"#.utf8))
        #expect(config.downloads == 5)
        #expect(config.apiKeys == ["a"])
        #expect(config.allowPrivateNetwork)
        #expect(config.rescanIntervalSeconds == 2.5)
    }

    @Test func unknownKeysAreRejectedByName() {
        #expect {
            try SpoolConfiguration.load(from: Data(#"{"downlods": 5, "zzz": 1}"#.utf8))
        } throws: { error in
            let message = (error as? ConfigurationError)?.message ?? ""
            return message.hasPrefix("unknown configuration key(s): downlods, zzz;")
        }
    }

    @Test(arguments: [
        (#"{"downloads": 0}"#, "downloads must be at least 1"),
        (#"{"name_conflict": "rename"}"#, "name_conflict must be one of suffix, overwrite, fail"),
        (#"{"rescan_interval_s": 0}"#, "rescan_interval_s must be greater than 0"),
    ])
    func outOfRangeValuesAreRejected(json: String, message: String) {
        #expect {
            try SpoolConfiguration.load(from: Data(json.utf8))
        } throws: { error in
            (error as? ConfigurationError)?.message == message
        }
    }

    @Test func notAnObjectIsRejected() {
        #expect(throws: ConfigurationError.self) { try SpoolConfiguration.load(from: Data("[]".utf8)) }
    }
}
