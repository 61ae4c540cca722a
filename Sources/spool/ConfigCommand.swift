import ArgumentParser
import Foundation
import SpoolCore

/// `spool config`: the configuration in force and where each value comes from.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the configuration in force (defaults < file < SPOOL_* environment < flags).",
        discussion: "Exits 78 with a message naming the key when a value cannot be used, as serve does.")

    @OptionGroup var options: RootOptions
    @OptionGroup var service: ServiceOptions

    @Flag(help: "List every key with its default, environment variable and meaning.")
    var keys = false

    @Flag(help: "Print the configuration in force as JSON (every key, defaults included).")
    var json = false

    func run() throws {
        if keys {
            var rows = [["KEY", "DEFAULT", "ENVIRONMENT", "MEANING"]]
            for key in ConfigKey.all { rows.append([key.name, key.defaultText, key.environmentVariable, key.comment]) }
            print(table(rows))
            return
        }
        let effective = try options.loadEffective(extraFlags: service.flags)
        let values = Self.values(effective)
        if json {
            let data = try JSONSerialization.data(withJSONObject: values, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        var rows = [["KEY", "VALUE", "FROM"]]
        for key in ConfigKey.all {
            rows.append([key.name, ConfigLoader.render(values[key.name] ?? NSNull()), effective.origins[key.name] ?? "default"])
        }
        print(table(rows))
    }

    /// Every key's value in force, as JSON values.
    static func values(_ effective: EffectiveConfiguration) -> [String: Any] {
        var values: [String: Any] = [:]
        if let data = try? JSONEncoder().encode(effective.configuration),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        {
            values = object
        }
        for key in ConfigKey.all where values[key.name] == nil {
            values[key.name] = effective.merged[key.name] ?? NSNull()
        }
        values["metrics_interval_s"] = effective.metricsInterval
        values["log_level"] = effective.logLevel
        if values["api_keys"] != nil, let keys = values["api_keys"] as? [String], !keys.isEmpty {
            values["api_keys"] = keys.map { _ in "(hidden)" }
        }
        return values
    }

    /// `key → "value (origin)"` for the start-up log line; API keys are counted, never shown.
    static func summary(_ effective: EffectiveConfiguration, configuration: SpoolConfiguration) -> [String: String] {
        var copy = effective
        copy.configuration = configuration
        var result: [String: String] = [:]
        for (key, value) in values(copy) where !(value is NSNull) {
            // A string as is: logfmt quotes it when needed (render's JSON quotes made a second pair).
            let text = (value as? String) ?? ConfigLoader.render(value)
            result[key] = key == "api_keys" ? "\(configuration.apiKeys.count) keys" : text
        }
        return result
    }
}
