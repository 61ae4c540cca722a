import Foundation

/// Why a value does not fit its key's type: `must be a whole number, not "many"`.
package struct ConfigTypeProblem: Error, Sendable, Equatable {
    package var text: String
}

extension ConfigKey {
    /// The value typed for this key (integers as `.integer`, numbers as `.number`), or why it does not fit.
    ///
    /// The one check every layer's values go through, so a message reads the same whatever set the value.
    package func typed(_ value: ConfigValue) -> Result<ConfigValue, ConfigTypeProblem> {
        func problem(_ text: String) -> Result<ConfigValue, ConfigTypeProblem> { .failure(.init(text: text)) }
        if value == .null { return nullable ? .success(.null) : problem("cannot be null") }
        switch (kind, value) {
        case (.path, .string(let s)) where s.isEmpty:
            return problem("must not be empty")
        case (.path, .string), (.string, .string), (.bool, .bool), (.strings, .strings):
            return .success(value)
        case (.path, _), (.string, _):
            return problem("must be a string, not \(value.rendered)")
        case (.integer, .integer(let n)) where abs(Double(n)) < 9e15:
            return .success(value)
        case (.integer, .number(let d)) where d == d.rounded() && abs(d) < 9e15:
            return .success(.integer(Int(d)))
        case (.integer, _):
            return problem("must be a whole number, not \(value.rendered)")
        case (.number, .integer(let n)):
            return .success(.number(Double(n)))
        case (.number, .number(let d)) where d.isFinite, (.number, .exactNumber(let d, _)) where d.isFinite:
            return .success(.number(d))
        case (.number, _):
            return problem("must be a number, not \(value.rendered)")
        case (.bool, _):
            return problem("must be true or false, not \(value.rendered)")
        case (.strings, _):
            return problem("must be a list of strings, not \(value.rendered)")
        }
    }

    /// A `SPOOL_*` variable's text as a value: `null` for nullable keys, numbers and booleans by
    /// their usual spellings, lists comma-separated. Text that is none of these stays a string,
    /// for `typed` to reject by name.
    package func value(fromText raw: String) -> ConfigValue {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if nullable && text == "null" { return .null }
        switch kind {
        case .path, .string:
            return .string(raw)
        case .integer:
            return Int(text).map(ConfigValue.integer) ?? .string(raw)
        case .number:
            return Double(text).flatMap { $0.isFinite ? ConfigValue.number($0) : nil } ?? .string(raw)
        case .bool:
            switch text.lowercased() {
            case "1", "true", "yes", "on": return .bool(true)
            case "0", "false", "no", "off": return .bool(false)
            default: return .string(raw)
            }
        case .strings:
            return .strings(
                text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
    }
}
