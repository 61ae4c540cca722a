import Testing

@testable import SpoolCore

@Suite("ClipTime")
struct ClipTimeTests {
    @Test(arguments: [
        ("90", 90.0), ("90.5", 90.5), ("0", 0), ("01:30", 90), ("90:00", 5400), ("00:01:02.25", 62.25),
        ("1:00:00", 3600), ("10:59:59.999", 39599.999), ("0.5", 0.5),
    ])
    func parses(text: String, seconds: Double) throws {
        let value = try #require(ClipTime.parse(text))
        #expect(abs(value - seconds) < 1e-9)
    }

    @Test(arguments: [
        "", "-5", "-00:01", "abc", "1:60", "1:60:00", "00:01:60", "1:2:3:4", "90.", ".5", "1.2.3", " 90", "90 ", "1e2",
        "+5", "::", "01:", ":30", "٣", "1:30.5:00",
    ])
    func rejects(text: String) {
        #expect(ClipTime.parse(text) == nil)
    }
}
