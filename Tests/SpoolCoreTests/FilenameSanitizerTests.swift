import Foundation
import Testing

@testable import SpoolCore

@Suite("Filename sanitising")
struct FilenameSanitizerTests {
    @Test(arguments: [
        ("My Video", "My Video"),
        // NFC: a decomposed é becomes one scalar.
        ("Cafe\u{301}", "Caf\u{E9}"),
        // Control characters go; tabs and newlines count as white space.
        ("a\u{0}b\u{7}c\u{7F}d", "abcd"),
        ("line\none\ttab", "line one tab"),
        // Reserved characters are removed.
        (#"a/b\c:d*e?f"g<h>i|j"#, "abcdefghij"),
        ("What? Why: Because", "What Why Because"),
        // White space collapses; spaces and dots are trimmed at both ends.
        ("  lots   of \u{A0}\u{2003} space  ", "lots of space"),
        ("...hidden.name...", "hidden.name"),
        (" . . x . . ", "x"),
        // Bidi overrides that disguise a name are removed.
        ("evil\u{202E}gpj.exe", "evilgpj.exe"),
        // Emoji and other scripts are kept.
        ("日本語 🎬 видео", "日本語 🎬 видео"),
        // Nothing left.
        ("", ""), ("???", ""), ("...", ""), ("  \t ", ""), ("/\\:*?\"<>|", ""),
    ])
    func sanitises(input: String, expected: String) {
        #expect(FilenameSanitizer.sanitize(input) == expected)
    }

    @Test(arguments: [
        ("CON", "CON_"), ("con", "con_"), ("NUL", "NUL_"), ("Aux", "Aux_"), ("PRN", "PRN_"),
        ("COM1", "COM1_"), ("lpt1", "lpt1_"), ("LPT9", "LPT9_"), ("CON.backup", "CON_.backup"),
        ("CONSOLE", "CONSOLE"), ("COM10", "COM10"), ("my CON", "my CON"), ("NUL.", "NUL_"),
    ])
    func windowsReservedNamesGetSuffix(input: String, expected: String) {
        #expect(FilenameSanitizer.sanitize(input) == expected)
    }

    @Test func cutsTo200BytesOnACharacterBoundary() {
        #expect(FilenameSanitizer.sanitize(String(repeating: "a", count: 300)) == String(repeating: "a", count: 200))
        // "é" is 2 bytes: 100 fit exactly.
        #expect(FilenameSanitizer.sanitize(String(repeating: "é", count: 150)) == String(repeating: "é", count: 100))
        // "€" is 3 bytes: 66 fit (198 bytes), the 67th would need 201.
        let euros = FilenameSanitizer.sanitize(String(repeating: "€", count: 100))
        #expect(euros == String(repeating: "€", count: 66))
        #expect(euros.utf8.count == 198)
        // "a" + 4-byte emoji: 1 + 49 * 4 = 197; a 50th emoji would make 201.
        let emoji = FilenameSanitizer.sanitize("a" + String(repeating: "😀", count: 80))
        #expect(emoji == "a" + String(repeating: "😀", count: 49))
        // A family emoji is one character of 18 bytes: never split in the middle.
        let family = "👨‍👩‍👧"
        let families = FilenameSanitizer.sanitize(String(repeating: family, count: 20))
        #expect(families == String(repeating: family, count: 11))
        #expect(families.utf8.count <= 200)
    }

    @Test func trailingSpaceOrDotExposedByTheCutIsTrimmed() {
        let input = String(repeating: "a", count: 199) + " b" + String(repeating: "c", count: 50)
        #expect(FilenameSanitizer.sanitize(input) == String(repeating: "a", count: 199))
    }

    @Test func resultIsAlwaysAtMost200Bytes() {
        for length in [199, 200, 201, 255, 1000] {
            let name = String(repeating: "ü", count: length)
            #expect(FilenameSanitizer.sanitize(name).utf8.count <= FilenameSanitizer.maxBytes)
        }
    }
}
