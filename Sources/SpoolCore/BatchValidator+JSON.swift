import Foundation

extension BatchValidator {
    /// A parsed JSON value that keeps booleans, integers and other numbers apart, so types can be checked strictly.
    ///
    /// Decoded with `JSONDecoder`, whose `Bool` never accepts a number and whose `Int` never accepts
    /// `true` or `23.5` (unlike `JSONSerialization` on Linux, where `1 as? Bool` succeeds).
    indirect enum JSONValue: Decodable, Equatable {
        case null
        case bool(Bool)
        case int(Int)
        case number(Double)
        case string(String)
        case array([JSONValue])
        case object([String: JSONValue])
        /// A number no Swift type holds (e.g. `1e400`): reported as a wrong type, not as broken JSON.
        case unrepresentable

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Int.self) {
                self = .int(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([JSONValue].self) {
                self = .array(value)
            } else if let value = try? container.decode([String: JSONValue].self) {
                self = .object(value)
            } else {
                self = .unrepresentable
            }
        }

        /// How a wrong value is named in messages ("got a number").
        var kind: String {
            switch self {
            case .null: "null"
            case .bool: "a boolean"
            case .int, .number, .unrepresentable: "a number"
            case .string: "a string"
            case .array: "an array"
            case .object: "an object"
            }
        }
    }

    /// The UTF-8 byte order mark; one is tolerated at the very start of a batch file.
    package static let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Decodes the whole document, or returns the one `$` problem that makes it unreadable.
    static func parseDocument(_ data: Data) -> Result<[String: JSONValue], BatchRejection> {
        var body = data[...]
        if body.starts(with: utf8BOM) { body = body.dropFirst(utf8BOM.count) }
        guard String(validating: body, as: UTF8.self) != nil else {
            return .failure(documentError("the batch file is not valid UTF-8; save it as UTF-8"))
        }
        if containsBOM(body) {
            return .failure(
                documentError(
                    "the batch file has a byte order mark after its start; remove it (only one at the very start is tolerated)"
                ))
        }
        // Foundation's decoder on Linux is lenient (trailing commas, duplicate keys, some bad tokens): check first.
        if let problem = StrictJSON.firstProblem(in: Array(body)) {
            return .failure(
                documentError("the batch file is not valid JSON: \(problem); fix the syntax and drop it again"))
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        } catch {
            return .failure(
                documentError("the batch file is not valid JSON\(detail(of: error)); fix the syntax and drop it again"))
        }
        guard case .object(let object) = value else {
            return .failure(documentError("the batch file must be a JSON object with a jobs array, not \(value.kind)"))
        }
        return .success(object)
    }

    private static func documentError(_ message: String) -> BatchRejection {
        BatchRejection(errors: [FieldError(field: "$", message: message)])
    }

    private static func containsBOM(_ bytes: Data.SubSequence) -> Bool {
        var iterator = bytes.makeIterator()
        var matched = 0
        while let byte = iterator.next() {
            if byte == utf8BOM[matched] {
                matched += 1
                if matched == utf8BOM.count { return true }
            } else {
                matched = byte == utf8BOM[0] ? 1 : 0
            }
        }
        return false
    }

    /// The parser's own words ("Unexpected character 'x' around line 1, column 4."), when it gives any.
    private static func detail(of error: any Error) -> String {
        guard case DecodingError.dataCorrupted(let context) = error else { return "" }
        let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
        guard var text = underlying ?? Optional(context.debugDescription), !text.isEmpty,
            text != "The given data was not valid JSON."
        else { return "" }
        while text.hasSuffix(".") { text.removeLast() }
        return " (\(text))"
    }
}
