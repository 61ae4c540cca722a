import Foundation

/// The one encoder of status files and receipts: the bytes JSONSerialization writes with
/// `[.sortedKeys, .withoutEscapingSlashes]`, plus a final newline.
///
/// Foundation's encoders cost more than the file write on the ingest path, and `JSONEncoder` orders
/// keys and spells numbers its own way, so the documents' `encode(to:)` feed a small value tree that
/// is written here. A non-finite `Double` throws, as JSONSerialization does.
package enum StatusJSONEncoder {
    package static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = TreeEncoder()
        try value.encode(to: encoder)
        var out: [UInt8] = []
        out.reserveCapacity(1536)
        try JSONTree.write(encoder.root ?? .object(JSONTree.Object()), to: &out)
        out.append(UInt8(ascii: "\n"))
        return Data(out)
    }

    /// A number as the status files spell it (see `JSONTree.number`).
    package static func number(_ value: Double) throws -> String { try JSONTree.number(value) }
}

/// The values a document encodes to; objects and arrays are classes so nested containers can fill
/// them after they are linked in.
enum JSONTree {
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case bool(Bool)
    case null
    case object(Object)
    case array(Array)

    final class Object {
        var keys: [String] = []
        var values: [JSONTree] = []

        init() {
            // A job document has about 50 keys: grown once, not six times.
            keys.reserveCapacity(56)
            values.reserveCapacity(56)
        }

        /// A key encoded twice keeps its last value, as a dictionary would (`write` drops the others).
        func append(_ key: String, _ value: JSONTree) {
            keys.append(key)
            values.append(value)
        }
    }

    final class Array {
        var items: [JSONTree] = []
    }

    static func write(_ value: JSONTree, to out: inout [UInt8]) throws {
        switch value {
        case .string(let s): writeString(s, to: &out)
        case .int(let n): out.append(contentsOf: String(n).utf8)
        case .uint(let n): out.append(contentsOf: String(n).utf8)
        case .double(let d): out.append(contentsOf: try number(d).utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            let keys = object.keys
            // Equal keys sort by position, so the last one written is the one kept.
            let order = keys.indices.sorted { keys[$0] == keys[$1] ? $0 < $1 : keyOrder(keys[$0], keys[$1]) }
            for (n, index) in order.enumerated() {
                if n + 1 < order.count, keys[order[n + 1]] == keys[index] { continue }
                if out.last != UInt8(ascii: "{") { out.append(UInt8(ascii: ",")) }
                writeString(object.keys[index], to: &out)
                out.append(UInt8(ascii: ":"))
                try write(object.values[index], to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let array):
            out.append(UInt8(ascii: "["))
            for (n, item) in array.items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    /// As JSONSerialization writes a `Double`: Swift's shortest round-trip spelling without a
    /// trailing `.0` (`50`, `2.5`, `1e-07`, `1e+16`, `-0`).
    static func number(_ d: Double) throws -> String {
        guard d.isFinite else {
            throw EncodingError.invalidValue(d, .init(codingPath: [], debugDescription: "\(d) is not valid JSON"))
        }
        let text = d.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// JSONSerialization's `.sortedKeys` order for the keys spool writes (ASCII letters, digits, `_`):
    /// case-insensitive, then by code point. (Foundation orders digit runs numerically and
    /// punctuation other than `_` differently; no key spool writes has either.)
    static func keyOrder(_ a: String, _ b: String) -> Bool {
        func fold(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }
        var ia = a.utf8.makeIterator()
        var ib = b.utf8.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return a.utf8.lexicographicallyPrecedes(b.utf8)
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): if fold(x) != fold(y) { return fold(x) < fold(y) }
            }
        }
    }

    /// As JSONSerialization writes strings: `"` and `\` escaped, control characters as `\n`-style or
    /// `\u00xx` escapes, everything else (slashes and non-ASCII included) as UTF-8.
    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x08: out.append(contentsOf: [92, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [92, UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Swift.Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
