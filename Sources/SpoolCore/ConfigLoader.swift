import Foundation

/// Layers the configuration: defaults < file < `SPOOL_*` environment < flags, then types and checks
/// every value, each message naming the key, where it was set and what to do.
///
/// Every layer gives `ConfigValue`s and all of them go through one typed decoding (`ConfigKey.typed`,
/// then `EffectiveConfiguration.set`), so a value reads the same from any source.
package enum ConfigLoader {
    /// - Parameters:
    ///   - file: the `--config` path, else `$SPOOL_CONFIG`, else none (defaults).
    ///   - environment: the process environment (`SPOOL_*` variables).
    ///   - flags: values given on the command line, by key name.
    package static func load(
        file: String?, environment: [String: String], flags: [String: ConfigValue] = [:]
    ) throws -> EffectiveConfiguration {
        var layered: [String: ConfigValue] = [:]
        var origins: [String: ConfigOrigin] = [:]
        if let path = file ?? environment["SPOOL_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            for (key, value) in try fileLayer(path) {
                layered[key] = value
                origins[key] = .file(path)
            }
        }
        for key in ConfigKey.all {
            guard let raw = environment[key.environmentVariable], !raw.isEmpty else { continue }
            let origin = ConfigOrigin.environment(key.environmentVariable)
            // A bad variable stops start-up even when a flag overrides it: it would bite next time.
            layered[key.name] = try typed(key.value(fromText: raw), key, origin)
            origins[key.name] = origin
        }
        for (name, value) in flags {
            layered[name] = value
            origins[name] = .flag(forKey: name)
        }
        return try settle(layered, origins: origins)
    }

    /// Reads an API keys file: one key a line; blank lines and `#` comments ignored.
    package static func readAPIKeys(file: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigurationError(message: "api_keys_file: cannot read \(file)")
        }
        let keys = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        if keys.isEmpty { throw ConfigurationError(message: "api_keys_file: \(file) holds no key") }
        return keys
    }

    // MARK: - Layers

    /// The configuration file's keys and values; the file must be a JSON object.
    static func fileLayer(_ path: String) throws -> [String: ConfigValue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(message: "cannot read the configuration file \(path)")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            let ns = error as NSError
            let detail = (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
            throw ConfigurationError(message: "\(path) is not valid JSON: \(detail)")
        }
        guard let dict = object as? [String: Any] else {
            throw ConfigurationError(message: "\(path): the configuration must be a JSON object")
        }
        return dict.mapValues(ConfigValue.init(json:))
    }

    static func typed(_ value: ConfigValue, _ key: ConfigKey, _ origin: ConfigOrigin?) throws -> ConfigValue {
        switch key.typed(value) {
        case .success(let typed): return typed
        case .failure(let problem):
            throw ConfigurationError(message: "\(key.name) \(problem.text) (\(ConfigOrigin.phrase(origin)))")
        }
    }

    // MARK: - Decoding and checks

    /// Types the merged values and checks them, in a fixed order: types (by key), unknown keys,
    /// ranges, then the closed sets.
    static func settle(_ layered: [String: ConfigValue], origins: [String: ConfigOrigin]) throws
        -> EffectiveConfiguration
    {
        var values: [(key: ConfigKey, value: ConfigValue)] = []
        for key in ConfigKey.all {
            guard let value = layered[key.name] else { continue }
            values.append((key, try typed(value, key, origins[key.name])))
        }
        try rejectUnknownKeys(layered.keys, origins: origins)

        var effective = EffectiveConfiguration()
        effective.origins = origins
        var notAChoice: [String: ConfigValue] = [:]
        for (key, value) in values where !effective.set(key.name, to: value) { notAChoice[key.name] = value }

        func from(_ key: String) -> String { ConfigOrigin.phrase(origins[key]) }
        do {
            try effective.configuration.check()
        } catch var error as ConfigurationError {
            if let key = error.key, let origin = origins[key] { error.message += " (\(origin.phrase))" }
            throw error
        }
        if notAChoice["name_conflict"] != nil {
            let choices = NameConflict.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(message: "name_conflict must be one of \(choices) (\(from("name_conflict")))")
        }
        if effective.metricsInterval < 0 || effective.metricsInterval.isNaN {
            throw ConfigurationError(
                message: "metrics_interval_s must be 0 (off) or more (\(from("metrics_interval_s")))")
        }
        if let level = notAChoice["log_level"] {
            let choices = LogLevel.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(
                message: "log_level must be one of \(choices), not \(level.rendered) (\(from("log_level")))")
        }
        return effective
    }

    /// A key no one knows is an error, as in batch files: a typo must not be silently ignored.
    static func rejectUnknownKeys(_ keys: some Sequence<String>, origins: [String: ConfigOrigin]) throws {
        let unknown = keys.filter { ConfigKey.named($0) == nil }.sorted()
        guard !unknown.isEmpty else { return }
        let known = ConfigKey.all.filter { !$0.cliOnly }.map(\.name).sorted().joined(separator: ", ")
        let cli = ConfigKey.all.filter(\.cliOnly).map(\.name).joined(separator: ", ")
        let message =
            "unknown configuration key(s): \(unknown.joined(separator: ", ")); known keys are \(known)"
            + " (and \(cli), read by the command line)"
        let files = Set(
            origins.values.compactMap { origin -> String? in
                if case .file(let path) = origin { path } else { nil }
            })
        throw ConfigurationError(
            message: files.isEmpty ? message : "\(files.sorted().joined(separator: ", ")): \(message)")
    }
}
