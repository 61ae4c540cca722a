import Foundation
import Testing

@testable import SpoolCore

/// The validator's and the sanitiser's ASCII shortcuts (issue 15, measure 1) must answer exactly as the
/// Unicode property rules they skip, for every ASCII scalar.
@Suite("ASCII fast paths")
struct ASCIIFastPathTests {
    static let ascii = (0..<128).map { Unicode.Scalar(UInt8($0)) }

    @Test func urlWhitespaceOrControlMatchesTheProperties() {
        let differing = Self.ascii.filter {
            BatchValidator.isWhitespaceOrControl($0) != BatchValidator.isWhitespaceOrControlByProperties($0)
        }
        #expect(differing.isEmpty, "differ: \(differing.map(\.value))")
        // The rule is not vacuous: 33 C0 controls and space, plus DEL.
        #expect(Self.ascii.filter(BatchValidator.isWhitespaceOrControl).count == 34)
    }

    @Test func sanitiserWhitespaceMatchesTheProperty() {
        let differing = Self.ascii.filter { FilenameSanitizer.isWhitespace($0) != $0.properties.isWhitespace }
        #expect(differing.isEmpty, "differ: \(differing.map(\.value))")
        #expect(Self.ascii.filter(FilenameSanitizer.isWhitespace).map(\.value) == [9, 10, 11, 12, 13, 32])
    }

    @Test func sanitiserRemovalMatchesTheControlCategory() {
        let reserved = Set(#"/\:*?"<>|"#.unicodeScalars)
        let differing = Self.ascii.filter {
            FilenameSanitizer.isRemoved($0) != (reserved.contains($0) || $0.properties.generalCategory == .control)
        }
        #expect(differing.isEmpty, "differ: \(differing.map(\.value))")
        #expect(Self.ascii.filter(FilenameSanitizer.isRemoved).count == 33 + reserved.count)
    }

    /// The sanitiser skips NFC for ASCII names: NFC leaves every ASCII scalar as it is.
    @Test func nfcLeavesASCIIUnchanged() {
        let all = String(String.UnicodeScalarView(Self.ascii))
        #expect(all.precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(all.unicodeScalars))
        #expect(FilenameSanitizer.sanitize("a\u{0}b\tc  d?e.") == "ab c de")
    }

    /// The archive copy is re-serialised only for a document with an `api_key` member, `null` included.
    @Test(arguments: [
        (#"{"jobs":[{"url":"https://example.com/v"}]}"#, false),
        (#"{"jobs":[{"url":"https://example.com/v"}],"api_key":null}"#, true),
        (#"{"jobs":[{"url":"https://example.com/v"}],"api_key":"k"}"#, true),
    ])
    func apiKeyMember(document: String, expected: Bool) throws {
        let request = try BatchValidator.validate(Data(document.utf8)).get()
        #expect(request.hasAPIKeyMember == expected)
        #expect((BatchFile.removingAPIKey(Data(document.utf8)) != nil) == expected)
    }
}
