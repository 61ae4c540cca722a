import Foundation
import Testing

@testable import SpoolCore

@Suite("Configuration loader")
struct ConfigLoaderTests {
    @Test("no file, no environment, no flags: the defaults, and no origins")
    func defaults() throws {
        let effective = try ConfigLoader.load(file: nil, environment: ["SPOOL_CONFIG": ""])
        #expect(effective.configuration == SpoolConfiguration())
        #expect(effective.apiKeysFile == nil)
        #expect(effective.metricsInterval == 5)
        #expect(effective.logLevel == .info)
        #expect(effective.origins.isEmpty)
    }

    @Test("precedence: flags > SPOOL_* environment > file (from SPOOL_CONFIG) > defaults, with where each came from")
    func precedence() throws {
        let json = #"""
            {"downloads": 4, "retries": 5, "rescan_interval_s": 2, "name_conflict": "fail", "subtitle_languages": ["fr"]}
            """#
        try ConfigFixture.withFile(json) { path in
            let environment = [
                "SPOOL_DOWNLOADS": "6", "SPOOL_RETRIES": "7", "SPOOL_ALLOW_PRIVATE_NETWORK": "yes",
                "SPOOL_SUBTITLE_LANGUAGES": "en, de", "SPOOL_CONFIG": path,
            ]
            let effective = try ConfigLoader.load(
                file: nil, environment: environment, flags: ["downloads": .integer(8)])
            let c = effective.configuration
            #expect(c.downloads == 8, "flag beats env and file")
            #expect(c.retries == 7, "env beats file")
            #expect(c.allowPrivateNetwork, "env beats default")
            #expect(c.subtitleLanguages == ["en", "de"], "env list")
            #expect(c.rescanIntervalSeconds == 2, "file beats default")
            #expect(c.nameConflict == .fail)
            #expect(c.encodes == 0, "default")
            #expect(effective.origins["downloads"] == .flag("--downloads"))
            #expect(effective.origins["retries"] == .environment("SPOOL_RETRIES"))
            #expect(effective.origins["rescan_interval_s"] == .file(path))
            #expect(effective.origins["encodes"] == nil)
            #expect(effective.origins.mapValues(\.description)["rescan_interval_s"] == "file \(path)")
            #expect(effective.origins.mapValues(\.description)["retries"] == "env SPOOL_RETRIES")
        }
    }

    @Test("--config beats SPOOL_CONFIG")
    func configFlagBeatsVariable() throws {
        try ConfigFixture.withFile(#"{"retries": 1}"#) { path in
            let effective = try ConfigLoader.load(
                file: path, environment: ["SPOOL_CONFIG": "/nonexistent/spool.json"])
            #expect(effective.configuration.retries == 1)
        }
    }

    @Test("the command line's own keys: from any layer, typed, not part of SpoolConfiguration")
    func commandLineKeys() throws {
        let effective = try ConfigLoader.load(
            file: nil, environment: ["SPOOL_LOG_LEVEL": "debug", "SPOOL_API_KEYS_FILE": "/etc/keys"],
            flags: ["metrics_interval_s": .number(0), "rescan_interval_s": .number(0.5)])
        #expect(effective.logLevel == .debug)
        #expect(effective.apiKeysFile == "/etc/keys")
        #expect(effective.metricsInterval == 0)
        #expect(effective.configuration.rescanIntervalSeconds == 0.5)
        #expect(effective.origins["metrics_interval_s"]?.description == "flag --metrics-interval-s")
        #expect(effective.origins["rescan_interval_s"]?.description == "flag --rescan-interval-s")
    }

    @Test("environment spellings: null for optional keys, yes/off, padded numbers, comma lists")
    func environmentText() throws {
        let effective = try ConfigLoader.load(
            file: nil,
            environment: [
                "SPOOL_ROOT": "/srv/spool", "SPOOL_INBOX": "null", "SPOOL_SCAN_ONLY": "off",
                "SPOOL_ALLOW_PRIVATE_NETWORK": " Yes ", "SPOOL_DOWNLOADS": " 5 ", "SPOOL_RESCAN_INTERVAL_S": "1e1",
                "SPOOL_API_KEYS": "a, b,,", "SPOOL_NAME_CONFLICT": "overwrite", "SPOOL_MAX_BATCH_BYTES": "",
            ])
        let c = effective.configuration
        #expect(c.root == "/srv/spool")
        #expect(c.inbox == nil)
        #expect(!c.scanOnly)
        #expect(c.allowPrivateNetwork)
        #expect(c.downloads == 5)
        #expect(c.rescanIntervalSeconds == 10)
        #expect(c.apiKeys == ["a", "b"])
        #expect(c.nameConflict == .overwrite)
        #expect(effective.origins["max_batch_bytes"] == nil, "an empty variable is not set")
    }

    @Test("a whole number in a JSON number of any spelling; numbers accept whole numbers")
    func numbers() throws {
        let c = try ConfigFixture.load(
            #"""
            {"downloads": 4.0, "socket_timeout_s": 1E1, "retry_base_delay_s": 3,
             "wait_for_video_limit_s": 100000000000000000000}
            """#)
        #expect(c.downloads == 4)
        #expect(c.waitForVideoLimitSeconds == 1e20)
        #expect(c.socketTimeoutSeconds == 10)
        #expect(c.retryBaseDelaySeconds == 3)
    }

    @Test("an unknown key names the file, the key, every known key and the command line's own")
    func unknownKey() throws {
        let message = try #require(try ConfigFixture.problem(file: #"{"zzz": 1, "downlods": 5}"#))
        let known = ConfigKey.all.filter { !$0.cliOnly }.map(\.name).sorted().joined(separator: ", ")
        #expect(
            message
                == "PATH: unknown configuration key(s): downlods, zzz; known keys are \(known) "
                + "(and api_keys_file, metrics_interval_s, log_level, read by the command line)")
    }

    @Test("every key in the table is stored and reads back (a typo in either switch would drop it silently)")
    func everyKeyIsDecoded() throws {
        for key in ConfigKey.all {
            let value: ConfigValue =
                switch (key.name, key.kind) {
                case ("name_conflict", _): .string("fail")
                case ("log_level", _): .string("error")
                case ("keep_local", _): .bool(false)  // the one boolean whose default is true
                case (_, .path), (_, .string): .string("/x")
                case (_, .integer): .integer(7)
                case (_, .number): .number(0.75)
                case (_, .bool): .bool(true)
                case (_, .strings): .strings(["x"])
                }
            var effective = EffectiveConfiguration()
            let accepted = effective.set(key.name, to: value)
            #expect(accepted, "\(key.name)")
            #expect(effective != EffectiveConfiguration(), "\(key.name) was not stored")
            #expect(effective.value(of: key.name) == value, "\(key.name) does not read back")
        }
    }
}
