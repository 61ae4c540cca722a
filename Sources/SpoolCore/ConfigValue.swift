import Foundation

/// One configuration value as a layer gives it (file, environment or flag), before it is checked
/// against its key's type.
///
/// Every layer turns its input into these, so file, environment and flags share one typed decoding
/// (`ConfigKey.typed`). `other` keeps a JSON value no key accepts (an object, a mixed list), already
/// rendered for the message that rejects it.
package enum ConfigValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    /// A number a `Double` would print differently (a whole number beyond `Int`), kept as the file wrote it.
    case exactNumber(Double, written: String)
    case string(String)
    case strings([String])
    case other(rendered: String)

    /// A value as `JSONSerialization` parsed it from the configuration file.
    package init(json value: Any) {
        switch value {
        case is NSNull:
            self = .null
        case let s as String:
            self = .string(s)
        case let list as [Any]:
            if let strings = list as? [String], strings.count == list.count {
                self = .strings(strings)
            } else {
                self = .other(rendered: Self.render(list))
            }
        default:
            self = Self.fromNSNumber(value) ?? .other(rendered: Self.render(value))
        }
    }

    /// How messages and `spool config` show the value: JSON, except that strings are not escaped.
    package var rendered: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .integer(let n): String(n)
        case .number(let d): Self.render(d)
        case .exactNumber(_, let written): written
        case .string(let s): "\"\(s)\""
        case .strings(let list): Self.render(list)
        case .other(let rendered): rendered
        }
    }

    /// The value for `JSONSerialization` (`spool config --json`).
    package var jsonObject: Any {
        switch self {
        case .null: NSNull()
        case .bool(let b): b
        case .integer(let n): n
        case .number(let d), .exactNumber(let d, _): d
        case .string(let s): s
        case .strings(let list): list
        case .other(let rendered): rendered
        }
    }

    /// A JSON number or boolean: `JSONSerialization` gives both as `NSNumber`, told apart by type code.
    private static func fromNSNumber(_ value: Any) -> ConfigValue? {
        guard let n = value as? NSNumber else { return nil }
        let type = String(cString: n.objCType)
        if type == "c" || type == "B" { return .bool(n.boolValue) }
        let written = render(value)
        if let whole = Int(written) { return .integer(whole) }
        if render(n.doubleValue) == written { return .number(n.doubleValue) }
        return .exactNumber(n.doubleValue, written: written)
    }

    /// A JSON fragment, as `JSONSerialization` writes it (NaN and infinities as Swift prints them).
    package static func render(_ value: Any) -> String {
        if let s = value as? String { return "\"\(s)\"" }
        if let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed]) {
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        }
        return "\(value)"
    }
}
