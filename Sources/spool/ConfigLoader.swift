import Foundation
import SpoolCore

/// One configuration key: its JSON name, type, environment variable and one-line comment.
///
/// This table is the single description of the keys outside the decoder: it drives the
/// environment overrides, the type checks that name the offending key, `spool config --keys`
/// and (through a test) `config/README.md`.
struct ConfigKey: Sendable {
    enum Kind: String, Sendable {
        case path = "path"
        case string = "string"
        case integer = "integer"
        case number = "number"
        case bool = "true/false"
        case strings = "list of strings"
    }

    var name: String
    var kind: Kind
    /// Whether `null` is allowed (the key is optional and has no value by default).
    var nullable: Bool = false
    /// The default, as it would be written in the JSON file.
    var defaultText: String
    var comment: String
    /// Keys the CLI handles itself (not part of `SpoolConfiguration`).
    var cliOnly: Bool = false

    /// `SPOOL_` + the key in capitals: `downloads` → `SPOOL_DOWNLOADS`.
    var environmentVariable: String { "SPOOL_" + name.uppercased() }

    static let all: [ConfigKey] = [
        .init(name: "root", kind: .path, nullable: true, defaultText: "null",
              comment: "The root directory; --root and SPOOL_ROOT take precedence."),
        .init(name: "inbox", kind: .path, nullable: true, defaultText: "null",
              comment: "Where batch files are dropped, when not <root>/inbox (e.g. an NFS share)."),
        .init(name: "out", kind: .path, nullable: true, defaultText: "null",
              comment: "Where finished outputs go, when not <root>/out."),
        .init(name: "state", kind: .path, nullable: true, defaultText: "null",
              comment: "The database directory, when not <root>/state; must be a local disk."),
        .init(name: "rescan_interval_s", kind: .number, defaultText: "5",
              comment: "Seconds between inbox listings, for writes inotify cannot see (NFS, SMB)."),
        .init(name: "scan_only", kind: .bool, defaultText: "false",
              comment: "Watch the inbox by listing it only, no inotify (automatic on NFS/SMB)."),
        .init(name: "incomplete_grace_s", kind: .number, defaultText: "10",
              comment: "Seconds an unparseable inbox file must stay unchanged before it is rejected."),
        .init(name: "max_batch_bytes", kind: .integer, defaultText: "1048576",
              comment: "Largest batch file accepted, in bytes; larger ones are rejected unread."),
        .init(name: "downloads", kind: .integer, defaultText: "3",
              comment: "Jobs downloading at once (concurrency limit)."),
        .init(name: "encodes", kind: .integer, defaultText: "0",
              comment: "ffmpeg encodes at once; 0 means one per CPU core."),
        .init(name: "retries", kind: .integer, defaultText: "3",
              comment: "Retries of a technical failure (timeouts, HTTP 5xx/429, crashed tool)."),
        .init(name: "retry_base_delay_s", kind: .number, defaultText: "2",
              comment: "First retry delay in seconds; doubles each retry, with jitter."),
        .init(name: "allow_private_network", kind: .bool, defaultText: "false",
              comment: "Accept URLs on loopback/private networks (tests, LANs); off blocks SSRF."),
        .init(name: "api_keys", kind: .strings, defaultText: "[]",
              comment: "When not empty, a batch must carry one of these in api_key."),
        .init(name: "api_keys_file", kind: .path, nullable: true, defaultText: "null",
              comment: "A file with more API keys, one a line (# comments); read by serve at start-up.",
              cliOnly: true),
        .init(name: "name_conflict", kind: .string, defaultText: "\"suffix\"",
              comment: "When an output name is taken: suffix (name (2).mp4), overwrite or fail."),
        .init(name: "yt_dlp_path", kind: .string, defaultText: "\"yt-dlp\"",
              comment: "The yt-dlp program (a name looked up in PATH, or a path)."),
        .init(name: "ffmpeg_path", kind: .string, defaultText: "\"ffmpeg\"",
              comment: "The ffmpeg program."),
        .init(name: "ffprobe_path", kind: .string, defaultText: "\"ffprobe\"",
              comment: "The ffprobe program."),
        .init(name: "socket_timeout_s", kind: .integer, defaultText: "10",
              comment: "yt-dlp's network timeout in seconds."),
        .init(name: "wait_for_video_limit_s", kind: .number, defaultText: "21600",
              comment: "Longest wait for a scheduled stream (wait_for_video), in seconds."),
        .init(name: "live_recordings", kind: .integer, defaultText: "2",
              comment: "Live recordings at once, in their own slots (they never hold download slots)."),
        .init(name: "live_reconnect_grace_s", kind: .number, defaultText: "30",
              comment: "Seconds a live recording may get no new media (server errors, a lost connection) while spool reconnects, before it is taken as ended."),
        .init(name: "subtitle_languages", kind: .strings, nullable: true, defaultText: "null",
              comment: "Subtitle languages to keep (e.g. [\"en\", \"de\"]); null keeps every one offered."),
        .init(name: "metrics_interval_s", kind: .number, defaultText: "5",
              comment: "Seconds between rewrites of <root>/metrics.prom; 0 turns metrics off.", cliOnly: true),
        .init(name: "log_level", kind: .string, defaultText: "\"info\"",
              comment: "Log level on stderr: trace, debug, info, notice, warning, error, critical.", cliOnly: true),
    ]

    static func named(_ name: String) -> ConfigKey? { all.first { $0.name == name } }
}

/// The configuration in force and where each value came from.
struct EffectiveConfiguration {
    var configuration: SpoolConfiguration
    var apiKeysFile: String?
    var metricsInterval: Double
    var logLevel: String
    /// Key → "default", "file PATH", "env NAME" or "flag --NAME".
    var origins: [String: String]
    /// The merged JSON object (defaults not included), for `spool config`.
    var merged: [String: Any]
}

/// A configuration that cannot be used: the message names the key and where it was set.
struct ConfigProblem: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Layers the configuration: defaults < file < environment < flags, then checks every value.
enum ConfigLoader {
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// - Parameters:
    ///   - file: the `--config` path, else `$SPOOL_CONFIG`, else none (defaults).
    ///   - environment: the process environment (`SPOOL_*` variables).
    ///   - flags: values given on the command line, by key name, already typed.
    static func load(file: String?, environment: [String: String], flags: [String: Any]) throws
        -> EffectiveConfiguration
    {
        var merged: [String: Any] = [:]
        var origins: [String: String] = [:]

        let configFile = file ?? environment["SPOOL_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if let configFile {
            guard let data = FileManager.default.contents(atPath: configFile) else {
                throw ConfigProblem(message: "cannot read the configuration file \(configFile)")
            }
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: data)
            } catch {
                throw ConfigProblem(message: "\(configFile) is not valid JSON: \(jsonErrorDetail(error))")
            }
            guard let dict = object as? [String: Any] else {
                throw ConfigProblem(message: "\(configFile): the configuration must be a JSON object")
            }
            for (key, value) in dict {
                merged[key] = value
                origins[key] = "file \(configFile)"
            }
        }
        for key in ConfigKey.all {
            guard let raw = environment[key.environmentVariable], !raw.isEmpty else { continue }
            merged[key.name] = try parse(raw, as: key, origin: key.environmentVariable)
            origins[key.name] = "env \(key.environmentVariable)"
        }
        for (name, value) in flags {
            merged[name] = value
            origins[name] = "flag --\(name.replacingOccurrences(of: "_", with: "-"))"
        }

        // Types first, so that every message names the key and where it was set.
        for key in ConfigKey.all {
            guard let value = merged[key.name] else { continue }
            if let problem = typeProblem(value, key) {
                throw ConfigProblem(message: "\(key.name) \(problem) (\(where_(origins[key.name])))")
            }
        }

        var core = merged
        for key in ConfigKey.all where key.cliOnly { core[key.name] = nil }
        let configuration: SpoolConfiguration
        do {
            let data = try JSONSerialization.data(withJSONObject: core)
            configuration = try SpoolConfiguration.load(from: data)
        } catch let error as ConfigurationError {
            throw ConfigProblem(message: annotate(error.message, origins: origins))
        } catch let error as DecodingError {
            throw ConfigProblem(message: describe(error, origins: origins))
        } catch {
            throw ConfigProblem(message: "the configuration cannot be used: \(error)")
        }

        let metricsInterval = (merged["metrics_interval_s"] as? NSNumber)?.doubleValue ?? 5
        if metricsInterval < 0 || metricsInterval.isNaN {
            throw ConfigProblem(
                message: "metrics_interval_s must be 0 (off) or more (\(where_(origins["metrics_interval_s"])))")
        }
        let logLevel = (merged["log_level"] as? String) ?? "info"
        if !logLevels.contains(logLevel) {
            throw ConfigProblem(
                message: "log_level must be one of \(logLevels.joined(separator: ", ")), not \"\(logLevel)\" "
                    + "(\(where_(origins["log_level"])))")
        }
        return EffectiveConfiguration(
            configuration: configuration, apiKeysFile: merged["api_keys_file"] as? String,
            metricsInterval: metricsInterval, logLevel: logLevel, origins: origins, merged: merged)
    }

    /// Reads an API keys file: one key a line; blank lines and `#` comments ignored.
    static func readAPIKeys(file: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigProblem(message: "api_keys_file: cannot read \(file)")
        }
        let keys = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        if keys.isEmpty { throw ConfigProblem(message: "api_keys_file: \(file) holds no key") }
        return keys
    }

    // MARK: - Parsing and checking

    static func parse(_ raw: String, as key: ConfigKey, origin: String) throws -> Any {
        let text = raw.trimmingCharacters(in: .whitespaces)
        func bad(_ what: String) -> ConfigProblem {
            ConfigProblem(message: "\(key.name) must be \(what), not \"\(raw)\" (set by \(origin))")
        }
        if key.nullable && text == "null" { return NSNull() }
        switch key.kind {
        case .path, .string:
            return raw
        case .integer:
            guard let n = Int(text) else { throw bad("a whole number") }
            return n
        case .number:
            guard let n = Double(text), n.isFinite else { throw bad("a number") }
            return n
        case .bool:
            switch text.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw bad("true or false")
            }
        case .strings:
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    /// Why `value` does not fit `key`'s type, or nil when it does.
    static func typeProblem(_ value: Any, _ key: ConfigKey) -> String? {
        if value is NSNull { return key.nullable ? nil : "cannot be null" }
        let number = value as? NSNumber
        let isBool = isBoolean(value)
        switch key.kind {
        case .path, .string:
            if let s = value as? String { return s.isEmpty && key.kind == .path ? "must not be empty" : nil }
            return "must be a string, not \(render(value))"
        case .integer:
            guard let number, !isBool, number.doubleValue == number.doubleValue.rounded(),
                abs(number.doubleValue) < 9e15
            else { return "must be a whole number, not \(render(value))" }
            return nil
        case .number:
            guard let number, !isBool, number.doubleValue.isFinite else { return "must be a number, not \(render(value))" }
            return nil
        case .bool:
            return isBool ? nil : "must be true or false, not \(render(value))"
        case .strings:
            guard let list = value as? [Any], list.allSatisfy({ $0 is String }) else {
                return "must be a list of strings, not \(render(value))"
            }
            return nil
        }
    }

    /// JSON `true`/`false` (an NSNumber of type "c" from JSONSerialization) or a Swift Bool.
    static func isBoolean(_ value: Any) -> Bool {
        if let n = value as? NSNumber, type(of: value) is NSNumber.Type { return String(cString: n.objCType) == "c" }
        return value is Bool
    }

    static func render(_ value: Any) -> String {
        if let s = value as? String { return "\"\(s)\"" }
        if let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed]) {
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        }
        return "\(value)"
    }

    static func where_(_ origin: String?) -> String {
        guard let origin else { return "default" }
        if origin.hasPrefix("file ") { return "in " + origin.dropFirst(5) }
        if origin.hasPrefix("env ") { return "set by " + origin.dropFirst(4) }
        if origin.hasPrefix("flag ") { return "set by " + origin.dropFirst(5) }
        return origin
    }

    /// Adds where a key was set to a range-check message that starts with the key's name.
    static func annotate(_ message: String, origins: [String: String]) -> String {
        if message.hasPrefix("unknown configuration key") {
            let files = Set(origins.values.filter { $0.hasPrefix("file ") }.map { String($0.dropFirst(5)) })
            let cli = ConfigKey.all.filter(\.cliOnly).map(\.name).joined(separator: ", ")
            let full = message + " (and \(cli), read by the command line)"
            return files.isEmpty ? full : "\(files.sorted().joined(separator: ", ")): \(full)"
        }
        let key = message.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        guard let origin = origins[String(key)] else { return message }
        return "\(message) (\(where_(origin)))"
    }

    static func describe(_ error: DecodingError, origins: [String: String]) -> String {
        let path: [any CodingKey]
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            path = c.codingPath
        @unknown default:
            path = []
        }
        let key = path.first?.stringValue ?? "?"
        return "\(key) has a value of the wrong type (\(where_(origins[key])))"
    }

    static func jsonErrorDetail(_ error: any Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }
}
