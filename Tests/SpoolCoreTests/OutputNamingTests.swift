import Testing

@testable import SpoolCore

@Suite("Output naming")
struct OutputNamingTests {
    @Test(arguments: [
        ("name", "mp4", 1, "name.mp4"), ("name", "mp4", 2, "name (2).mp4"), ("name", "mp4", 3, "name (3).mp4"),
        ("My Clip", "m4a", 10, "My Clip (10).m4a"), ("a.b", "webm", 1, "a.b.webm"), ("x", "", 2, "x (2)"),
        ("x", "mp4", 0, "x.mp4"),
    ])
    func names(base: String, ext: String, index: Int, expected: String) {
        #expect(OutputNaming.fileName(base: base, ext: ext, index: index) == expected)
    }
}
