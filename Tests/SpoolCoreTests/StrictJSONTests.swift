import Foundation
import Testing

@testable import SpoolCore

@Suite("StrictJSON")
struct StrictJSONTests {
    @Test(
        "valid JSON passes",
        arguments: [
            #"{}"#, #"[]"#, #"{"a": [1, -2.5, 3e10, 0, 0.5E-3, true, false, null, "x"]}"#,
            #"{"s": "\" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00"}"#, " \n {\"a\" : {\"b\" : []}} \n ",
            #"{"a": 1, "A": 2}"#,
        ])
    func valid(_ text: String) {
        #expect(StrictJSON.firstProblem(in: Array(text.utf8)) == nil)
    }

    @Test(
        "invalid JSON is named, with its line",
        arguments: [
            (#"{"a": 1,}"#, "trailing comma"), (#"[1, 2,]"#, "trailing comma"), (#"{"a": 023}"#, "leading zero"),
            (#"{"a": 23.}"#, "no digits after"), (#"{"a": 1, "a": 2}"#, "appears twice"),
            ("{\"a\": \"x\ty\"}", "raw control character"), (#"{"a": "\x"}"#, "invalid escape"),
            (#"{"a": "\ud800"}"#, "lone UTF-16 surrogate"), (#"{"a": +1}"#, "unexpected character"),
            (#"{'a': 1}"#, "not a string"), (#"{"a": 1} x"#, "after the end"), (#"{"a": tru}"#, "invalid literal"),
            (#"{"a": "unterminated"#, "unterminated string"), (#"{"a" 1}"#, "missing ':'"), ("", "ends where a value"),
            ("{\n\"a\": 1,\n}", "on line 3"),
        ])
    func invalid(_ text: String, _ fragment: String) throws {
        let problem = try #require(StrictJSON.firstProblem(in: Array(text.utf8)))
        #expect(problem.contains(fragment), "\(problem)")
    }

    @Test("nesting deeper than the limit is refused without recursing further")
    func deepNesting() throws {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let problem = try #require(StrictJSON.firstProblem(in: Array(text.utf8)))
        #expect(problem.contains("nesting deeper than 256"))
    }

    @Test("the validator reports a trailing comma and a duplicate key as $ problems")
    func validatorUsesIt() throws {
        for text in [#"{"jobs": [{"url": "https://a.example/x"},]}"#, #"{"jobs": [], "jobs": []}"#] {
            guard case .failure(let rejection) = BatchValidator.validate(Data(text.utf8)) else {
                Issue.record("accepted: \(text)")
                continue
            }
            #expect(rejection.errors.map(\.field) == ["$"], "\(rejection.errors)")
        }
    }
}
