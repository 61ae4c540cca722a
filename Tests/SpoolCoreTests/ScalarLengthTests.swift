import Foundation
import Testing

@testable import SpoolCore

/// The length limits count Unicode scalars: a grapheme count let `e` plus 100,000 combining marks pass as one
/// character (issue 16, item 4).
@Suite("Batch file: length limits count Unicode scalars")
struct ScalarLengthTests {
    /// `base` followed by `marks` combining acute accents: one grapheme cluster, `marks + 1` scalars.
    static func combining(_ base: String = "e", marks: Int) -> String {
        base + String(repeating: "\u{301}", count: marks)
    }

    @Test func lengthIsTheScalarCount() {
        #expect(BatchValidator.length("abc") == 3)
        #expect(BatchValidator.length(Self.combining(marks: 100_000)) == 100_001)
        #expect(Self.combining(marks: 100_000).count == 1, "one grapheme cluster, the count the limits used to take")
        #expect(BatchValidator.length("\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}") == 5)
        #expect(BatchValidator.length("\r\n") == 2)
    }

    @Test func filenameLimit() {
        #expect(BatchValidator.filenameProblem(Self.combining(marks: 254)) == nil, "255 scalars are allowed")
        #expect(
            BatchValidator.filenameProblem(Self.combining(marks: 255))
                == "filename must be at most 255 characters, not 256")
        #expect(
            BatchValidator.filenameProblem(Self.combining(marks: 100_000))
                == "filename must be at most 255 characters, not 100001")
        let family = String(repeating: "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}", count: 52)
        #expect(family.count == 52)
        #expect(BatchValidator.filenameProblem(family) == "filename must be at most 255 characters, not 260")
        let jamo = String(repeating: "\u{1100}\u{1161}\u{11A8}", count: 86)
        #expect(BatchValidator.filenameProblem(jamo) == "filename must be at most 255 characters, not 258")
        // Plain text is judged as before.
        #expect(BatchValidator.filenameProblem(String(repeating: "n", count: 255)) == nil)
        #expect(
            BatchValidator.filenameProblem(String(repeating: "é", count: 256))
                == "filename must be at most 255 characters, not 256")
    }

    @Test func folderLimit() {
        #expect(
            BatchValidator.sanitizedFolder(Self.combining(marks: 200))
                == .failure(RuleViolation(message: "folder must be at most 200 characters, not 201")))
        #expect(
            BatchValidator.sanitizedFolder(Self.combining(marks: 100_000))
                == .failure(RuleViolation(message: "folder must be at most 200 characters, not 100001")))
        let atLimit = String(repeating: "f", count: 200)
        #expect(BatchValidator.sanitizedFolder(atLimit) == .success(atLimit))
    }

    @Test func folderWithinTheLimitStillGetsTheByteCut() throws {
        // 200 scalars, 399 bytes, one grapheme: within the length limit, but the sanitiser's 200-byte cut never
        // splits a character, so nothing is left of it.
        let folder = Self.combining("x", marks: 199)
        guard case .failure(let violation) = BatchValidator.sanitizedFolder(folder) else {
            Issue.record("a 399-byte single character must not survive the 200-byte cut")
            return
        }
        #expect(violation.message.contains("has nothing left after sanitising"))
        #expect(violation.message.utf8.count < 200, "the quoted value is shortened: \(violation.message.utf8.count)")
    }

    @Test func sanitizerKeepsTheTwoHundredByteCut() {
        // x + U+0301 has no precomposed form: 3 bytes a character, so 66 whole characters fit in 200 bytes.
        let name = String(repeating: "x\u{301}", count: 100)
        let sanitized = FilenameSanitizer.sanitize(name)
        #expect(sanitized.utf8.count == 198)
        #expect(sanitized.unicodeScalars.last == "\u{301}", "a character is never split")
        #expect(BatchValidator.filenameProblem(name) == nil, "200 scalars are within the 255 limit")
    }

    @Test func urlLimit() {
        let long = "https://example.com/" + Self.combining(marks: 2028)
        #expect(long.count == 20 + 1)
        #expect(BatchValidator.urlProblem(long) == "url must be at most 2048 characters, not 2049")
        let atLimit = "https://example.com/" + String(repeating: "a", count: 2028)
        #expect(BatchValidator.urlProblem(atLimit) == nil)
    }

    @Test func idempotencyKeyLimit() {
        let over = Self.combining("k", marks: 200)
        #expect(
            BatchFixture.errors(BatchFixture.json(#""idempotency_key": "\#(over)""#)) == [
                FieldError(field: "idempotency_key", message: "idempotency_key must be at most 200 characters, not 201")
            ])
        let within = Self.combining("k", marks: 199)
        #expect(BatchFixture.request(BatchFixture.json(#""idempotency_key": "\#(within)""#))?.idempotencyKey == within)
    }

    @Test func quotedValuesAreShortenedByScalars() {
        // A wrong enum value is echoed in the message; a single huge grapheme must not flood the receipt.
        let errors = BatchFixture.errors(BatchFixture.json(#""format": "\#(Self.combining("m", marks: 100_000))""#))
        #expect(errors.count == 1)
        let message = errors.first?.message ?? ""
        #expect(message.hasPrefix("format must be one of"))
        #expect(message.unicodeScalars.count < 200, "message has \(message.unicodeScalars.count) scalars")
        #expect(BatchValidator.quoted("avi") == "\"avi\"")
        let forty = String(repeating: "a", count: 40)
        #expect(BatchValidator.quoted(forty + "a") == "\"\(forty)…\"")
    }
}
