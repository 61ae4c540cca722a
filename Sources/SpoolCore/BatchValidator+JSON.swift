import Foundation

extension BatchValidator {
    /// A parsed JSON value that keeps booleans, integers and other numbers apart, so types can be checked strictly.
    ///
    /// Built by `StrictJSON.parse`, which reads numbers as `JSONDecoder` does: a `Bool` is never a number
    /// and an `Int` is never `true` or `23.5` (unlike `JSONSerialization` on Linux, where `1 as? Bool`
    /// succeeds). The tests check it against `JSONDecoder` value for value.
    indirect enum JSONValue: Equatable, Sendable {
        case null
        case bool(Bool)
        case int(Int)
        case number(Double)
        case string(String)
        case array([JSONValue])
        case object([String: JSONValue])
        /// A number no Swift type holds (e.g. `1e400`): reported as a wrong type, not as broken JSON.
        case unrepresentable

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
        let value: JSONValue
        switch StrictJSON.parse(Array(body)) {
        case .success(let parsed): value = parsed
        case .failure(let problem):
            return .failure(
                documentError("the batch file is not valid JSON: \(problem.message); fix the syntax and drop it again"))
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
}
