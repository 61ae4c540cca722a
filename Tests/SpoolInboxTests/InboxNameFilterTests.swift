import Testing

@testable import SpoolInbox

@Suite("InboxNameFilter")
struct InboxNameFilterTests {
    @Test(
        "candidates",
        arguments: ["batch.json", "a.json", "2024-01-01 batch.json", "x.tmp.json", "über.json", "a.b.c.json"])
    func candidates(name: String) {
        #expect(InboxNameFilter.isCandidate(name))
    }

    @Test(
        "ignored names",
        arguments: [
            "", ".json", ".batch.json", ".batch.json.XXXXXX", "batch.json.tmp", "batch.tmp", "batch.json.part",
            "batch.part", "batch.json.partial", "batch.json.swp", ".batch.json.swp", "batch.json~", "batch.txt",
            "batch", "batch.JSON", "batch.jsonl", "batch.json.bak", "a/b.json",
        ])
    func ignored(name: String) {
        #expect(!InboxNameFilter.isCandidate(name))
    }
}
