import Foundation

/// A strict RFC 8259 parser for batch files: the syntax check and the value tree in one pass.
///
/// Foundation's `JSONDecoder` on Linux accepts trailing commas and duplicate keys and reports some
/// malformed tokens (`023`, `23.`) as wrong types; a batch file must be plain JSON, so this says
/// exactly where it is not. Numbers become values as `JSONDecoder` would read them (an integer when
/// the number is a whole value that fits `Int`, such as `23.0` or `1e2`), without its cost: decoding a
/// 100-job batch through it took most of the ingest's validation time.
package struct StrictJSON {
    /// The deepest nesting accepted; deeper documents are refused rather than risking the stack.
    package static let maxDepth = 256

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The first syntax problem with its line (`"a trailing comma on line 3"`), or nil for valid JSON.
    package static func firstProblem(in bytes: [UInt8]) -> String? {
        if case .failure(let problem) = parse(bytes) { return problem.message }
        return nil
    }

    /// The document's value, or its first syntax problem.
    static func parse(_ bytes: [UInt8]) -> Result<BatchValidator.JSONValue, Problem> {
        var parser = StrictJSON(bytes)
        do throws(Problem) {
            parser.skipSpace()
            let document = try parser.value(depth: 0)
            parser.skipSpace()
            if parser.index < bytes.count { throw parser.problem("unexpected text after the end of the document") }
            return .success(document)
        } catch {
            return .failure(error)
        }
    }

    struct Problem: Error {
        var message: String
    }

    private func problem(_ what: String) -> Problem { Problem(message: "\(what) on line \(line)") }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let b = current, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
            if b == 0x0A { line += 1 }
            index += 1
        }
    }

    private mutating func expect(_ literal: String) throws(Problem) {
        for expected in literal.utf8 {
            guard current == expected else { throw problem("an invalid literal (expected \(literal))") }
            index += 1
        }
    }

    private mutating func value(depth: Int) throws(Problem) -> BatchValidator.JSONValue {
        guard depth < Self.maxDepth else { throw problem("nesting deeper than \(Self.maxDepth) levels") }
        guard let byte = current else { throw problem("the document ends where a value was expected") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw problem("an unexpected character where a value was expected")
        }
    }

    private mutating func object(depth: Int) throws(Problem) -> BatchValidator.JSONValue {
        index += 1
        skipSpace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object([:])
        }
        var members: [String: BatchValidator.JSONValue] = [:]
        while true {
            guard current == UInt8(ascii: "\"") else {
                throw problem(
                    members.isEmpty
                        ? "an object key that is not a string" : "a trailing comma or a key that is not a string")
            }
            let key = try string()
            guard members[key] == nil else { throw problem("the key \"\(key)\" appears twice") }
            skipSpace()
            guard current == UInt8(ascii: ":") else { throw problem("a missing ':' after a key") }
            index += 1
            skipSpace()
            members[key] = try value(depth: depth)
            skipSpace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipSpace()
            case UInt8(ascii: "}"):
                index += 1
                return .object(members)
            default:
                throw problem("a missing ',' or '}' in an object")
            }
        }
    }

    private mutating func array(depth: Int) throws(Problem) -> BatchValidator.JSONValue {
        index += 1
        skipSpace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array([])
        }
        var elements: [BatchValidator.JSONValue] = []
        while true {
            if current == UInt8(ascii: "]") { throw problem("a trailing comma before ']'") }
            elements.append(try value(depth: depth))
            skipSpace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipSpace()
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default:
                throw problem("a missing ',' or ']' in an array")
            }
        }
    }

    /// Reads a string and returns its decoded text.
    private mutating func string() throws(Problem) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        while true {
            guard let b = current else { throw problem("an unterminated string") }
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                return String(scalars)
            case UInt8(ascii: "\\"):
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll()
                scalars.append(try escape())
            case 0x00..<0x20:
                throw problem("a raw control character inside a string (write it as an escape such as \\n)")
            default:
                raw.append(b)
            }
        }
    }

    private mutating func escape() throws(Problem) -> Unicode.Scalar {
        guard let b = current else { throw problem("an unterminated string") }
        index += 1
        switch b {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hex4()
            if (0xD800..<0xDC00).contains(unit) {
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                else {
                    throw problem("a lone UTF-16 surrogate escape")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw problem("a lone UTF-16 surrogate escape") }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(unit) else { throw problem("a lone UTF-16 surrogate escape") }
            return scalar
        default:
            throw problem("an invalid escape sequence in a string")
        }
    }

    private mutating func hex4() throws(Problem) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let b = current, let digit = Self.hexValue(b) else { throw problem("an invalid \\u escape") }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, read as `JSONDecoder` reads it: `Int` when the
    /// text is an integer that fits, or a finite whole value that fits (`23.0`, `1e2`); else a finite
    /// `Double`; else (`1e400`) unrepresentable.
    private mutating func number() throws(Problem) -> BatchValidator.JSONValue {
        let start = index
        try numberSyntax()
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if let integer = Int(text) { return .int(integer) }
        guard let double = Double(text), double.isFinite else { return .unrepresentable }
        if let integer = Int(exactly: double) { return .int(integer) }
        return .number(double)
    }

    private mutating func numberSyntax() throws(Problem) {
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, Self.isDigit(first) else { throw problem("a malformed number") }
        index += 1
        if first == UInt8(ascii: "0"), let next = current, Self.isDigit(next) {
            throw problem("a number with a leading zero")
        }
        if first != UInt8(ascii: "0") { digits() }
        if current == UInt8(ascii: ".") {
            index += 1
            guard let d = current, Self.isDigit(d) else { throw problem("a malformed number (no digits after '.')") }
            digits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let d = current, Self.isDigit(d) else { throw problem("a malformed number exponent") }
            digits()
        }
    }

    private mutating func digits() {
        while let b = current, Self.isDigit(b) { index += 1 }
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}
