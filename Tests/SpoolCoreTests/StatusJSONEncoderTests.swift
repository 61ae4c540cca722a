import Foundation
import Testing

@testable import SpoolCore

/// `StatusJSONEncoder` writes what JSONSerialization writes with `[.sortedKeys, .withoutEscapingSlashes]`:
/// numbers, strings and key order, checked against literal bytes and against JSONSerialization itself.
@Suite("StatusJSONEncoder")
struct StatusJSONEncoderTests {
    /// JSONSerialization's bytes, the reference the status files were written with before.
    static func reference(_ object: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func encoded<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try StatusJSONEncoder.encode(value), as: UTF8.self)
    }

    @Test(
        "doubles are spelled as JSONSerialization spells them",
        arguments: [
            (0.0, "0"), (-0.0, "-0"), (1.0, "1"), (50.0, "50"), (100.0, "100"), (2.5, "2.5"), (-3.25, "-3.25"),
            (0.1, "0.1"), (1.0 / 3, "0.3333333333333333"), (0.30000000000000004, "0.30000000000000004"),
            (12345678.9, "12345678.9"), (1234.567, "1234.567"), (1_536_000.25, "1536000.25"),
            (1e15, "1000000000000000"),
            (9_007_199_254_740_992, "9007199254740992"), (1e16, "1e+16"), (1e17, "1e+17"), (1e21, "1e+21"),
            (1.2345678901234568e+20, "1.2345678901234568e+20"), (1e-4, "0.0001"), (0.000123, "0.000123"),
            (1e-5, "1e-05"), (1e-7, "1e-07"), (-1e-7, "-1e-07"), (.leastNonzeroMagnitude, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ])
    func doubleSpelling(value: Double, expected: String) throws {
        #expect(try Self.encoded(["v": value]) == "{\"v\":\(expected)}\n")
        #expect(try Self.encoded(["v": value]) == Self.reference(["v": value]))
    }

    @Test("many doubles (integral, fractions, large, tiny, negative) match JSONSerialization byte for byte")
    func manyDoubles() throws {
        var generator = SplitMix(seed: 0x5EED)
        var values: [Double] = [
            -0.0, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, .ulpOfOne,
        ]
        for exponent in -30...30 {
            values.append(pow(10, Double(exponent)))
            values.append(-pow(10, Double(exponent)) * 1.5)
        }
        for _ in 0..<2_000 {
            let bits = generator.next()
            let random = Double(bitPattern: bits)
            if random.isFinite { values.append(random) }
            values.append(Double(Int64(bitPattern: bits) >> Int64(bits % 60)))  // integers stored as Double
            values.append(Double(bits % 100_000) / 100)  // speeds and timings with two decimals
            values.append(Double(bits % 1_000_000_007) / 1_000_000_007)
        }
        for value in values {
            #expect(try Self.encoded(["v": value]) == Self.reference(["v": value]), "\(value)")
        }
    }

    @Test("integers, booleans, null and nesting match JSONSerialization")
    func scalars() throws {
        let ints: [Int64] = [0, 1, -1, 42, 1_700_000_000_000, .max, .min]
        #expect(try Self.encoded(["i": ints]) == Self.reference(["i": ints]))
        #expect(try Self.encoded(["t": true, "f": false]) == Self.reference(["t": true, "f": false]))
        #expect(try Self.encoded(["n": String?.none]) == "{\"n\":null}\n")
        #expect(try Self.encoded([String: [String]]()) == "{}\n")
        #expect(try Self.encoded(["a": [[String: Int]](), "b": [["x": 1]]]) == "{\"a\":[],\"b\":[{\"x\":1}]}\n")
    }

    @Test("strings: quotes, backslashes and control characters escaped, slashes and non-ASCII as UTF-8")
    func strings() throws {
        var all = (0..<128).map { String(UnicodeScalar(UInt8($0))) }
        all += ["Ünïcode", "日本語", "emoji 🎬", "\u{2028}\u{2029}", "a/b\\c\"d", "\u{7F}", ""]
        for s in all {
            #expect(try Self.encoded(["s": s]) == Self.reference(["s": s]), "\(s.unicodeScalars.map(\.value))")
        }
        #expect(try Self.encoded(["s": "a/b\"\\\n\t\u{1}"]) == #"{"s":"a/b\"\\\n\t\u0001"}"# + "\n")
    }

    @Test("keys come in JSONSerialization's sorted order, for every key the documents write")
    func keyOrder() throws {
        var keys = Set<String>()
        for golden in Array(StatusGoldens.jobs.values) + StatusGoldens.batches.values + StatusGoldens.receipts.values {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(golden.utf8)) as? [String: Any])
            keys.formUnion(object.keys)
            for case let nested as [String: Any] in object.values { keys.formUnion(nested.keys) }
        }
        #expect(keys.count > 60)
        let object = Dictionary(uniqueKeysWithValues: keys.map { ($0, 1) })
        #expect(try Self.encoded(object) == Self.reference(object))
        // Written out once, so a change to the order shows here even if JSONSerialization changed too.
        let sorted = ["audio_only", "s3_key", "s3_url", "Skipped", "source", "subtitle_key", "subtitle_keys"]
        let encodedOrder = try Self.encoded(Dictionary(uniqueKeysWithValues: sorted.reversed().map { ($0, 0) }))
        #expect(encodedOrder == "{" + sorted.map { "\"\($0)\":0" }.joined(separator: ",") + "}\n")
    }
}

/// A small seeded generator, so the random doubles are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
