import Foundation
import Testing

@testable import SpoolCore

/// The bad-input corpus of `Tests/Fixtures/generate-bad-inputs.py`, generated into a temp dir.
struct BadInputCorpus {
    struct Entry: Decodable {
        /// Fields the service's rejection must name (every one).
        var fields: [String]
        /// A fragment of the message of one of those fields' errors.
        var message: String
        /// Larger than the 1 MiB limit: the service rejects it unread (`$`); these are what the validator says.
        var oversize: Bool
        var validatorFields: [String]?
        var validatorMessage: String?
        var secret: String?
        /// A key of the generator's BUGS: the service gets this file wrong today.
        var bug: String?

        /// The generator writes snake_case keys.
        enum CodingKeys: String, CodingKey {
            case fields, message, oversize, secret, bug
            case validatorFields = "validator_fields"
            case validatorMessage = "validator_message"
        }
    }

    struct Manifest: Decodable {
        var count: Int
        var maxBatchBytes: Int
        var files: [String: Entry]

        enum CodingKeys: String, CodingKey {
            case count, files
            case maxBatchBytes = "max_batch_bytes"
        }
    }

    let directory: URL
    let manifest: Manifest

    /// `Tests/Fixtures/generate-bad-inputs.py`, found from this file (Tests/Fixtures belongs to no target).
    static let generator = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // SpoolCoreTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/generate-bad-inputs.py")

    /// Runs the generator (python3 from PATH) into a fresh temp dir and reads its manifest.
    static func generate() throws -> BadInputCorpus {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("spool-corpus-\(UUID().uuidString.prefix(8).lowercased())")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", generator.path, dir.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CorpusError("generate-bad-inputs.py exited with \(process.terminationStatus)")
        }
        let data = try Data(contentsOf: dir.appendingPathComponent("manifest.json"))
        return BadInputCorpus(directory: dir, manifest: try JSONDecoder().decode(Manifest.self, from: data))
    }

    func data(_ name: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(name)) }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    struct CorpusError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

@Suite("Bad-input corpus: BatchValidator rejects every file, naming the expected field")
struct BadInputCorpusTests {
    /// How many files `generate-bad-inputs.py` writes; change it together with the generator.
    static let generatedCount = 643

    /// Oversize files above this are checked by size only: the service never parses them, and the
    /// 4 MB file of 100,001 jobs takes ~50 s to validate in a debug build.
    static let largestParsed = 3 * 1024 * 1024

    /// What is wrong with the validator's answer for one corpus file; empty when it is right.
    static func problems(_ name: String, _ entry: BadInputCorpus.Entry, _ data: Data, limit: Int) -> [String] {
        var found: [String] = []
        if entry.oversize != (data.count > limit) {
            found.append("\(name): \(data.count) bytes, oversize \(entry.oversize)")
        }
        if entry.oversize && entry.fields != ["$"] { found.append("\(name): an oversize file must be named $") }
        let fields = entry.oversize ? entry.validatorFields ?? [] : entry.fields
        let fragment = entry.oversize ? entry.validatorMessage ?? "" : entry.message
        if fields.isEmpty || fragment.isEmpty { found.append("\(name): manifest entry without field or message") }
        if data.count > largestParsed { return found }

        switch BatchValidator.validate(data) {
        case .success(let request):
            found.append("\(name) was accepted: \(String(describing: request).prefix(300))")
        case .failure(let rejection):
            let named = rejection.errors.map(\.field)
            let shown = rejection.errors.prefix(5).map { "\($0.field.prefix(60)): \($0.message.prefix(160))" }
            for field in fields where !named.contains(field) {
                found.append("\(name): no error for \(field.prefix(60)); got \(shown)")
            }
            let matching = rejection.errors.filter {
                fields.contains($0.field) && $0.message.localizedCaseInsensitiveContains(fragment)
            }
            if matching.isEmpty { found.append("\(name): no message with \"\(fragment)\" for \(fields); got \(shown)") }
            if !rejection.errors.allSatisfy({ !$0.field.isEmpty && !$0.message.isEmpty }) {
                found.append("\(name): an error without field or message: \(shown)")
            }
            // A document-level problem stands alone.
            if named.contains("$") && named != ["$"] { found.append("\(name): $ next to other errors: \(shown)") }
            if let secret = entry.secret,
                rejection.errors.contains(where: { $0.message.contains(secret) || $0.field.contains(secret) })
            {
                found.append("\(name): the api_key appears in the rejection")
            }
        }
        return found
    }

    @Test func everyFileIsRejectedWithTheExpectedField() throws {
        let corpus = try BadInputCorpus.generate()
        defer { corpus.remove() }
        // Exactly what generate-bad-inputs.py makes: a case lost from the generator (or the manifest) fails here.
        #expect(corpus.manifest.count == Self.generatedCount)
        #expect(corpus.manifest.files.count == corpus.manifest.count)
        let limit = corpus.manifest.maxBatchBytes
        #expect(limit == 1024 * 1024)

        var checked = 0
        for (name, entry) in corpus.manifest.files.sorted(by: { $0.key < $1.key }) where entry.bug == nil {
            let problems = Self.problems(name, entry, try corpus.data(name), limit: limit)
            for problem in problems { Issue.record(Comment(rawValue: problem)) }
            checked += 1
        }
        let knownBugs = corpus.manifest.files.values.filter { $0.bug != nil }.count
        #expect(checked == Self.generatedCount - knownBugs, "\(checked) checked, \(knownBugs) left out as known bugs")
    }

    @Test func generatorIsDeterministic() throws {
        let first = try BadInputCorpus.generate()
        defer { first.remove() }
        let second = try BadInputCorpus.generate()
        defer { second.remove() }
        let names = listing(first.directory)
        #expect(names == listing(second.directory))
        #expect(names.count == first.manifest.count + 1, "only the corpus and manifest.json are written")
        for name in names {
            #expect(try first.data(name) == second.data(name), "\(name) differs between two runs")
        }
    }

    @Test func corpusCoversEveryRequiredCategory() throws {
        let corpus = try BadInputCorpus.generate()
        defer { corpus.remove() }
        let files = corpus.manifest.files
        let names = files.keys.sorted()
        func count(_ part: String) -> Int { names.filter { $0.contains(part) }.count }

        let required = [
            "-broken-", "-nesting-10000-", "-jobs-100001", "-jobs-101", "-jobs-empty", "-nul-", "-utf8-",
            "-bom-", "-huge-", "-enum-", "-folder-", "-filename-", "-url-file", "-url-ftp", "-url-o_tmp",
            "-url-https_example_com_a_b", "-url-https_example_com_v_n", "-unknown-", "-contra-", "-webhook_url-",
            "-apikey-", "-clip_start-",
        ]
        for part in required { #expect(count(part) >= 1, "no corpus file for \(part)") }
        #expect(count("-broken-") >= 30)
        #expect(count("-enum-") >= 50)

        // Wrong types for every top-level key, and inside job items.
        for key in BatchValidator.topLevelKeys where key != "jobs" {
            #expect(count("-type-\(key)-") >= 4, "wrong types for \(key)")
        }
        for part in ["-type-jobs-", "-type-job-item-", "-type-url-", "-type-filename-"] {
            #expect(count(part) >= 4, "wrong types: \(part)")
        }
        // Every enum-valued key has wrong values, every contradiction field is exercised.
        for key in ["format", "video_codec", "audio_codec", "audio_bitrate", "quality_preset", "max_resolution"] {
            #expect(count("-enum-\(key)-") >= 5, "wrong enum values for \(key)")
        }
        let fields = Set(files.values.flatMap(\.fields))
        for field in [
            "$", "jobs", "jobs[0]", "jobs[0].url", "jobs[0].filename", "folder", "format", "video_codec",
            "audio_codec", "webhook_url", "enable_progress_webhook", "clip_end", "idempotency_key", "api_key",
        ] {
            #expect(fields.contains(field), "no corpus file names \(field)")
        }
        // Traversal through both path fields with each kind of separator.
        for (prefix, key) in [("-folder-", "folder"), ("-filename-", "filename")] {
            var values: [String] = []
            for name in names where name.contains(prefix) {
                guard let object = try JSONSerialization.jsonObject(with: corpus.data(name)) as? [String: Any] else {
                    continue
                }
                let jobs = object["jobs"] as? [[String: Any]]
                if let value = (key == "folder" ? object[key] : jobs?.first?[key]) as? String { values.append(value) }
            }
            for part in ["..", "/", "\\"] {
                #expect(
                    values.filter { $0.contains(part) }.count >= 3, "\(key) traversal with \(part): \(values.count)")
            }
        }
        let big = try #require(names.first { $0.contains("-jobs-100001") })
        #expect(files[big]?.oversize == true && files[big]?.fields == ["$"])
        let long = try #require(names.first { $0.contains("-url-https_example_com_aaaaa") })
        #expect(files[long]?.message == "at most 2048")
    }

    private func listing(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }
}
