// The bad-input corpus of the batch files (Tests/Fixtures/generate-bad-inputs.py), posted as bodies to
// POST /jobs/bulk: each is refused with the fields and message its rejection receipt has, nothing is stored.

import Foundation
import Testing

/// The generator's manifest: what each file's rejection must say.
private struct HTTPCorpusManifest: Decodable {
    struct Entry: Decodable {
        var fields: [String]
        var message: String
        var oversize: Bool
        var bug: String?
    }
    var files: [String: Entry]
}

@Suite("End to end: the bad-input corpus over HTTP", .serialized, .timeLimit(.minutes(6)))
struct HTTPBadInputEndToEndTests {
    @Test("every corpus body: 400 naming its fields with the receipt's message (413 when oversize); nothing stored")
    func corpusRefused() async throws {
        let corpusDir = try Paths.makeTempDir("spool-e2e-http-corpus")
        defer { try? FileManager.default.removeItem(at: corpusDir) }
        let generator = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/generate-bad-inputs.py")
        let generated = try runCommand(try Paths.which("python3"), [generator.path, corpusDir.path], timeout: 120)
        try #require(generated.status == 0, "generator: \(generated.output)")
        let manifest = try JSONDecoder().decode(
            HTTPCorpusManifest.self, from: Data(contentsOf: corpusDir.appendingPathComponent("manifest.json")))
        let names = manifest.files.filter { $0.value.bug == nil }.keys.sorted()
        try #require(names.count > 500)

        let spool = try SpoolRoot("http-corpus", config: httpConfig)
        try spool.start()
        let http = try await SpoolHTTPClient.connect(to: spool)
        var wrong: [String] = []
        // Eight at a time: a client posting many bodies at once.
        for group in stride(from: 0, to: names.count, by: 8).map({ Array(names[$0..<min($0 + 8, names.count)]) }) {
            let answers = try await withThrowingTaskGroup(of: (String, HTTPAnswer).self) { tasks in
                for name in group {
                    let data = try Data(contentsOf: corpusDir.appendingPathComponent(name))
                    tasks.addTask { (name, try await http.request("POST", "/jobs/bulk", body: data)) }
                }
                return try await tasks.reduce(into: []) { $0.append($1) }
            }
            for (name, answer) in answers {
                let entry = try #require(manifest.files[name])
                if entry.oversize {
                    if answer.status != 413 { wrong.append("\(name): \(answer.status), not 413") }
                    continue
                }
                let errors = answer.json?["errors"] as? [[String: Any]] ?? []
                let fields = errors.compactMap { $0["field"] as? String }
                if answer.status != 400 { wrong.append("\(name): status \(answer.status) \(answer.text.prefix(200))") }
                for field in entry.fields where !fields.contains(field) {
                    wrong.append("\(name): no error for \(field.prefix(50)); got \(fields.prefix(5))")
                }
                let matched = errors.contains {
                    entry.fields.contains($0["field"] as? String ?? "")
                        && ($0["message"] as? String)?.localizedCaseInsensitiveContains(entry.message) == true
                }
                if !matched { wrong.append("\(name): no message with \"\(entry.message)\"") }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong answers:\n\(wrong.prefix(40).joined(separator: "\n"))")
        // Nothing accepted or kept; the service still serves.
        #expect(listDir(spool.dir("batches")).isEmpty)
        #expect(listDir(spool.dir("archive")).isEmpty)
        #expect(listDir(spool.dir("rejected")).isEmpty)
        #expect(listDir(spool.dir("receipts")).isEmpty)
        #expect(try await http.get("/healthz").status == 200)
        try await spool.stop()
        #expect(spool.exitStatus == 0)
    }
}
