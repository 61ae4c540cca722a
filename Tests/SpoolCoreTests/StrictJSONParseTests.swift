import Foundation
import Testing

@testable import SpoolCore

/// The reference `StrictJSON.parse` must agree with: `JSONDecoder`, reading every value the way the
/// validator did before the parser built the tree itself (Bool before Int before Double before String…).
extension BatchValidator.JSONValue: Decodable {
    public init(from decoder: any Decoder) throws {
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
        } else if let value = try? container.decode([Self].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: Self].self) {
            self = .object(value)
        } else {
            self = .unrepresentable
        }
    }
}

@Suite("StrictJSON.parse agrees with JSONDecoder")
struct StrictJSONParseTests {
    func reference(_ bytes: [UInt8]) -> BatchValidator.JSONValue? {
        try? JSONDecoder().decode(BatchValidator.JSONValue.self, from: Data(bytes))
    }

    @Test(
        "numbers are read as JSONDecoder reads them",
        arguments: [
            ("23", BatchValidator.JSONValue.int(23)), ("-0", .int(0)), ("23.0", .int(23)), ("1e2", .int(100)),
            ("1E+2", .int(100)), ("0.1e1", .int(1)), ("1.5", .number(1.5)), ("-2.25e-1", .number(-0.225)),
            ("99999999999999999999", .number(1e20)), ("9223372036854775807", .int(Int.max)),
            ("9223372036854775808", .number(9_223_372_036_854_775_808)), ("1e400", .unrepresentable),
            ("-1e400", .unrepresentable),
        ])
    func numbers(text: String, expected: BatchValidator.JSONValue) throws {
        let parsed = try StrictJSON.parse(Array("[\(text)]".utf8)).get()
        #expect(parsed == .array([expected]))
        #expect(reference(Array("[\(text)]".utf8)) == parsed)
    }

    @Test("strings with escapes, surrogate pairs and non-ASCII text")
    func strings() throws {
        let text = #"{"a":"tab\tquote\"slash\/back\\u\u00e9 pair\ud83d\ude00 nul\u0000","b":["é",true,null,{}],"c":[]}"#
        let parsed = try StrictJSON.parse(Array(text.utf8)).get()
        #expect(parsed == reference(Array(text.utf8)))
        guard case .object(let object) = parsed, case .string(let a)? = object["a"] else {
            Issue.record("not an object with a string: \(parsed)")
            return
        }
        #expect(a == "tab\tquote\"slash/back\\u\u{e9} pair\u{1F600} nul\u{0}")
    }

    @Test("on 20,000 fuzz inputs: whenever the syntax is valid, the tree equals JSONDecoder's")
    func fuzzAgreement() {
        var compared = 0
        for index in 0..<20_000 {
            var inputs = FuzzTests.generator(index: index)
            var bytes = inputs.make()
            if bytes.starts(with: BatchValidator.utf8BOM) { bytes.removeFirst(3) }
            guard String(validating: bytes, as: UTF8.self) != nil,
                case .success(let parsed) = StrictJSON.parse(bytes)
            else { continue }
            compared += 1
            let expected = reference(bytes)
            #expect(parsed == expected, "input \(index): \(String(decoding: bytes, as: UTF8.self).prefix(300))")
            if parsed != expected { return }
        }
        #expect(compared > 5_000, "only \(compared) inputs had valid syntax")
    }
}
