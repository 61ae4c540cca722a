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
            let data = try JSONSerialization.data(
                withJSONObject: values.mapValues(\.jsonObject),
                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        var rows = [["KEY", "VALUE", "FROM"]]
        for key in ConfigKey.all {
            let from = effective.origins[key.name].map(String.init(describing:)) ?? "default"
            rows.append([key.name, values[key.name]?.rendered ?? "null", from])
        }
        print(table(rows))
    }

    /// Every key's value in force; API keys and secrets are hidden, the database URL's password masked.
    static func values(_ effective: EffectiveConfiguration) -> [String: ConfigValue] {
        var values: [String: ConfigValue] = [:]
        for key in ConfigKey.all { values[key.name] = effective.value(of: key.name) }
        if case .strings(let keys) = values["api_keys"], !keys.isEmpty {
            values["api_keys"] = .strings(keys.map { _ in "(hidden)" })
        }
        if case .string = values["webhook_secret"] { values["webhook_secret"] = .string("(hidden)") }
        values["database"] = .string(DatabaseSetting.masked(effective.configuration.database))
        return values
    }

    /// `key → "value"` for the start-up log line; API keys are counted, never shown.
    static func summary(_ effective: EffectiveConfiguration, configuration: SpoolConfiguration) -> [String: String] {
        var copy = effective
        copy.configuration = configuration
        var result: [String: String] = [:]
        for (key, value) in values(copy) where value != .null {
            // A string as is: logfmt quotes it when needed (`rendered`'s JSON quotes made a second pair).
            let text: String
            if case .string(let plain) = value { text = plain } else { text = value.rendered }
            result[key] = key == "api_keys" ? "\(configuration.apiKeys.count) keys" : text
        }
        return result
    }
}
