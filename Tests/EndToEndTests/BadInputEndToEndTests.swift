// The bad-input corpus (Tests/Fixtures/generate-bad-inputs.py) dropped into a running service:
// every file rejected with a receipt naming its field, nothing accepted, nothing written outside
// the root, and the service still takes a valid batch afterwards.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The generator's manifest (see the generator's docstring).
private struct CorpusManifest: Decodable {
    struct Entry: Decodable {
        var fields: [String]
        var message: String
        var oversize: Bool
        var secret: String?
        /// A known service bug (see the generator's BUGS): such files are left out.
        var bug: String?
    }
    var count: Int
    var canary: String
    var files: [String: Entry]
}

private let corpusGenerator = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/generate-bad-inputs.py")
/// How many files the generator writes (as `BadInputCorpusTests.generatedCount`); change it with the generator.
private let corpusFileCount = 643

/// The top-level entries of a root (folder-contract §1, plus the metrics file); nothing else may appear there.
private let rootLayout: Set<String> = [
    "inbox", "receipts", "batches", "jobs", "out", "archive", "rejected", "cancel", "retry", "purge", "state", "work",
    "metrics.prom",
]

/// Every regular file under `dir` whose bytes contain `needle`, as paths relative to `dir`.
private func filesContaining(_ needle: String, under dir: URL) -> [String] {
    let bytes = Data(needle.utf8)
    return listFilesRecursively(dir).filter { rel in
        guard let data = try? Data(contentsOf: dir.appendingPathComponent(rel), options: .alwaysMapped) else {
            return false
        }
        return data.range(of: bytes) != nil
    }
}

/// Every path (files and directories) under `dir` whose name contains `part`.
private func pathsNamed(containing part: String, under dir: URL) -> [String] {
    guard let e = FileManager.default.enumerator(atPath: dir.path) else { return [] }
    var found: [String] = []
    while let rel = e.nextObject() as? String {
        if rel.contains(part) { found.append(rel) }
    }
    return found
}

private func parsedObject(_ data: Data) -> NSDictionary? {
    var body = data
    if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
    return (try? JSONSerialization.jsonObject(with: body)) as? NSDictionary
}

@Suite("End to end: the bad-input corpus", .serialized, .timeLimit(.minutes(8)))
struct BadInputEndToEndTests {
    @Test(
        "every corpus file: a rejection receipt naming its field, kept in rejected/; nothing accepted or written outside the root; the service survives"
    )
    func corpusIsRejected() async throws {
        let lab = try await sharedLab()
        let corpusDir = try Paths.makeTempDir("spool-e2e-corpus-files")
        defer { try? FileManager.default.removeItem(at: corpusDir) }
        let generated = try runCommand(
            try Paths.which("python3"), [corpusGenerator.path, corpusDir.path], timeout: 120)
        try #require(generated.status == 0, "generator: \(generated.output)")
        let manifest = try JSONDecoder().decode(
            CorpusManifest.self, from: Data(contentsOf: corpusDir.appendingPathComponent("manifest.json")))
        try #require(manifest.count == corpusFileCount && manifest.files.count == manifest.count)
        let knownBugs = manifest.files.values.filter { $0.bug != nil }.count
        let names = manifest.files.filter { $0.value.bug == nil }.keys.sorted()
        try #require(names.count == corpusFileCount - knownBugs)

        let spool = try SpoolRoot("corpus")
        let tempDir = URL(fileURLWithPath: NSTemporaryDirectory())
        let baseBefore = listDir(spool.base)
        try spool.start()

        // Rename every file in (folder-contract §2's recommended way), as fast as possible.
        var originals: [String: Data] = [:]
        try FileManager.default.createDirectory(at: spool.inbox, withIntermediateDirectories: true)
        for name in names {
            let data = try Data(contentsOf: corpusDir.appendingPathComponent(name))
            originals[name] = data
            let staging = spool.inbox.appendingPathComponent(".\(name).part")
            try data.write(to: staging)
            try #require(rename(staging.path, spool.inbox.appendingPathComponent(name).path) == 0, "errno \(errno)")
        }

        let expectedReceipts = Set(names)
        let receiptsDir = spool.dir("receipts")
        _ = try await waitFor("\(names.count) receipts", timeout: 240, interval: 0.25, on: spool) {
            try spool.requireRunning()
            return expectedReceipts.isSubset(of: Set(listDir(receiptsDir))) ? true : nil
        }
        #expect(spool.isRunning, "the service died while rejecting the corpus")

        // Each receipt: a rejection naming the expected fields, with the expected message.
        var wrong: [String] = []
        for name in names {
            let entry = try #require(manifest.files[name])
            guard let receipt = readJSON(receiptsDir.appendingPathComponent(name)) else {
                wrong.append("\(name): unreadable receipt")
                continue
            }
            let errors = receipt["errors"] as? [[String: Any]] ?? []
            let fields = errors.compactMap { $0["field"] as? String }
            let shown = errors.map {
                "\(($0["field"] as? String ?? "?").prefix(50)): \(($0["message"] as? String ?? "?").prefix(120))"
            }
            if receipt["batch_id"] != nil || receipt["job_ids"] != nil { wrong.append("\(name): accepted \(receipt)") }
            if receipt["source"] as? String != name { wrong.append("\(name): source \(receipt["source"] ?? "nil")") }
            let summary = errors.count == 1 ? "1 problem in batch file" : "\(errors.count) problems in batch file"
            if errors.isEmpty || receipt["error"] as? String != summary {
                wrong.append("\(name): error \(receipt["error"] ?? "nil") with \(errors.count) errors")
            }
            for field in entry.fields where !fields.contains(field) {
                wrong.append("\(name): no error for \(field.prefix(50)); got \(shown)")
            }
            let matched = errors.contains {
                entry.fields.contains($0["field"] as? String ?? "")
                    && ($0["message"] as? String)?.localizedCaseInsensitiveContains(entry.message) == true
            }
            if !matched { wrong.append("\(name): no message with \"\(entry.message)\"; got \(shown)") }
            if errors.contains(where: {
                ($0["field"] as? String ?? "").isEmpty || ($0["message"] as? String ?? "").isEmpty
            }) {
                wrong.append("\(name): an error without field or message: \(shown)")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong receipts:\n\(wrong.prefix(40).joined(separator: "\n"))")

        // Each file in rejected/ under its own name: byte for byte, or re-serialised without api_key.
        let rejectedDir = spool.dir("rejected")
        _ = try await waitFor("every file in rejected/", timeout: 30, on: spool) {
            expectedReceipts.isSubset(of: Set(listDir(rejectedDir))) ? true : nil
        }
        #expect(Set(listDir(rejectedDir)) == expectedReceipts, "each file rejected exactly once, under its own name")
        var altered: [String] = []
        for name in names {
            let original = try #require(originals[name])
            let kept = try Data(contentsOf: rejectedDir.appendingPathComponent(name))
            if kept == original { continue }
            // Only a parsed batch carrying api_key may differ: the same object without that key.
            guard let before = parsedObject(original)?.mutableCopy() as? NSMutableDictionary,
                before["api_key"] != nil, let after = parsedObject(kept)
            else {
                altered.append("\(name): \(original.count) bytes dropped, \(kept.count) kept")
                continue
            }
            before.removeObject(forKey: "api_key")
            if after["api_key"] != nil || !after.isEqual(to: before as? [AnyHashable: Any] ?? [:]) {
                altered.append("\(name): re-serialised copy differs beyond api_key")
            }
        }
        #expect(altered.isEmpty, "rejected/ copies:\n\(altered.prefix(20).joined(separator: "\n"))")

        // An api_key is never echoed in anything spool writes (receipts, rejected/, the database, the log).
        let secrets = manifest.files.values.compactMap(\.secret)
        #expect(secrets.count >= 3)
        for secret in secrets {
            #expect(filesContaining(secret, under: spool.root).isEmpty, "api_key \(secret) written under the root")
            let log = (try? String(contentsOf: spool.log, encoding: .utf8)) ?? ""
            #expect(!log.contains(secret), "api_key \(secret) in the log")
        }

        // Nothing accepted, nothing downloaded, nothing left in the inbox.
        #expect(listDir(spool.dir("batches")).isEmpty)
        #expect(listDir(spool.dir("jobs")).isEmpty)
        #expect(listDir(spool.dir("archive")).isEmpty)
        #expect(listFilesRecursively(spool.dir("out")).isEmpty)
        #expect(listFilesRecursively(spool.dir("work")).filter { !$0.hasPrefix(".staging") }.isEmpty)
        #expect(
            listDir(spool.inbox).filter { $0.hasSuffix(".json") }.isEmpty, "inbox: \(listDir(spool.inbox).prefix(10))")
        #expect(listDir(spool.inbox.appendingPathComponent(".claimed")).isEmpty, "claimed files left behind")
        #expect(Set(listDir(receiptsDir)) == expectedReceipts, "no receipt for anything else")

        // Still alive, and still taking a valid batch (a 404: a Warning job, no real download).
        #expect(spool.isRunning)
        try spool.drop(
            "after-corpus.json", batchJSON(folder: "e2e/corpus", jobs: [(lab.url("status/404/after.mp4"), nil)]))
        let accepted = try await spool.acceptedReceipt("after-corpus", timeout: 15)
        let batch = try await spool.finishedBatch(accepted.batchID, timeout: 60)
        #expect(batch["status"] as? String == "finished")
        #expect(spool.job(accepted.jobIDs[0])?["status"] as? String == "Warning")

        // Nothing outside the root: its parent holds what it held, the root only its own directories,
        // and no traversal target of the corpus exists anywhere near.
        #expect(Set(listDir(spool.root)).isSubset(of: rootLayout), "root: \(listDir(spool.root))")
        #expect(Set(listDir(spool.base)) == Set(baseBefore).union(["root"]), "root's parent: \(listDir(spool.base))")
        #expect(pathsNamed(containing: manifest.canary, under: spool.base).isEmpty)
        #expect(
            listDir(tempDir).filter { $0.contains(manifest.canary) }.isEmpty, "a traversal target in \(tempDir.path)")
        #expect(listDir(URL(fileURLWithPath: "/")).filter { $0.contains(manifest.canary) }.isEmpty)

        try await spool.stop()
        #expect(spool.exitStatus == 0, "exit status \(String(describing: spool.exitStatus))")
    }
}
