import Testing

@testable import SpoolCore

@Suite("API key check")
struct APIKeyCheckTests {
    @Test(arguments: [
        ("abc", ["abc"], true), ("abc", ["x", "abc", "y"], true), ("abc", ["abd"], false), ("abc", ["ab"], false),
        ("ab", ["abc"], false), ("abc", [], false), ("", [""], false), ("", ["abc"], false), ("ABC", ["abc"], false),
        ("ключ", ["ключ"], true), ("abc\u{0}", ["abc"], false),
    ])
    func matches(candidate: String, keys: [String], expected: Bool) {
        #expect(APIKeyCheck.matches(candidate, anyOf: keys) == expected)
    }
}
