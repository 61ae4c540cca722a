import Foundation

@testable import SpoolCore

/// The properties every validator answer must have: an accepted request obeys folder-contract §3, a rejection is usable.
enum FuzzOracle {
    static let urlLimit = 2048

    static func isWhitespaceOrControl(_ s: Unicode.Scalar) -> Bool {
        if s.properties.isWhitespace { return true }
        switch s.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator: return true
        default: return false
        }
    }

    /// Collects the description of every check that fails.
    struct Problems {
        var list: [String] = []
        mutating func check(_ ok: Bool, _ what: @autoclosure () -> String) { if !ok { list.append(what()) } }
    }

    /// Every way an accepted request can break folder-contract §3; empty when it obeys them all.
    static func violations(of request: BatchRequest, input: [UInt8]) -> [String] {
        var problems = Problems()
        problems.check((1...100).contains(request.jobs.count), "jobs.count \(request.jobs.count)")
        for (i, job) in request.jobs.enumerated() { checkJob(job, index: i, into: &problems) }
        if let folder = request.folder { checkFolder(folder, into: &problems) }
        checkOptions(request.options, into: &problems)
        if let key = request.idempotencyKey {
            problems.check((1...200).contains(key.count), "idempotency_key length \(key.count)")
        }
        checkDocument(input, into: &problems)
        return problems.list
    }

    private static func checkJob(_ job: JobItem, index i: Int, into problems: inout Problems) {
        let url = job.url
        let lower = url.lowercased()
        problems.check(
            lower.hasPrefix("http://") || lower.hasPrefix("https://"), "jobs[\(i)].url scheme: \(url.prefix(80))")
        problems.check(url.count <= urlLimit, "jobs[\(i)].url is \(url.count) characters")
        problems.check(
            !url.unicodeScalars.contains(where: isWhitespaceOrControl), "jobs[\(i)].url has whitespace/control")
        problems.check(!url.hasPrefix("-"), "jobs[\(i)].url starts with -")
        problems.check(URLComponents(string: url)?.host.map { !$0.isEmpty } == true, "jobs[\(i)].url has no host")
        guard let name = job.filename else { return }
        problems.check(!name.isEmpty, "jobs[\(i)].filename is empty rather than nil")
        problems.check(!name.contains("/") && !name.contains("\\"), "jobs[\(i)].filename has a separator: \(name)")
        problems.check(!name.contains(".."), "jobs[\(i)].filename has ..: \(name)")
        problems.check(!name.unicodeScalars.contains { $0.properties.generalCategory == .control }, "filename control")
        problems.check(name.utf8.count <= 200, "jobs[\(i)].filename is \(name.utf8.count) bytes")
        problems.check(!name.hasPrefix(" ") && !name.hasSuffix(" ") && !name.hasPrefix("."), "filename ends: \(name)")
    }

    private static func checkFolder(_ folder: String, into problems: inout Problems) {
        problems.check(!folder.isEmpty, "folder is empty rather than nil")
        problems.check(!folder.hasPrefix("/") && !folder.contains("\\"), "folder separator: \(folder)")
        problems.check(!folder.unicodeScalars.contains("\u{0}"), "folder has NUL")
        for segment in folder.split(separator: "/", omittingEmptySubsequences: false) {
            problems.check(!segment.isEmpty, "folder has an empty segment: \(folder)")
            problems.check(segment != ".." && segment != ".", "folder has a dot segment: \(folder)")
            problems.check(segment.utf8.count <= 200, "folder segment is \(segment.utf8.count) bytes")
            problems.check(!segment.hasPrefix(" ") && !segment.hasSuffix(" "), "folder segment not trimmed: \(folder)")
        }
    }

    /// The options against folder-contract §3's vocabulary as written out in `SpecVocabulary`, never the validator's tables.
    private static func checkOptions(_ o: JobOptions, into problems: inout Problems) {
        let vocabulary = SpecVocabulary.self
        problems.check(
            o.audioOnly ? vocabulary.audioFormats.contains(o.format) : vocabulary.videoFormats.contains(o.format),
            "format \(o.format), audio_only \(o.audioOnly)")
        problems.check(vocabulary.videoCodecs.contains(o.videoCodec), "video_codec \(o.videoCodec)")
        problems.check(vocabulary.audioCodecs.contains(o.audioCodec), "audio_codec \(o.audioCodec)")
        if o.videoCodec != "copy" {
            problems.check(!o.audioOnly, "video_codec \(o.videoCodec) with audio_only")
            problems.check(
                vocabulary.videoCodecsByFormat[o.format]?.contains(o.videoCodec) == true,
                "\(o.format) + \(o.videoCodec)")
        }
        if o.audioCodec != "copy" {
            problems.check(
                vocabulary.audioCodecsByFormat[o.format]?.contains(o.audioCodec) == true,
                "\(o.format) + \(o.audioCodec)")
        }
        problems.check(o.audioBitrate.map { vocabulary.audioBitrates.contains($0) } ?? true, "audio_bitrate")
        problems.check((0...51).contains(o.videoQuality), "video_quality \(o.videoQuality)")
        problems.check(o.qualityPreset.map { vocabulary.qualityPresets.contains($0) } ?? true, "preset")
        problems.check(vocabulary.resolutions.contains(o.maxResolution), "max_resolution \(o.maxResolution)")
        problems.check(o.maxDuration.map { $0 >= 1 } ?? true, "max_duration \(String(describing: o.maxDuration))")
        let start = o.clipStart.map(ClipTime.parse)
        let end = o.clipEnd.map(ClipTime.parse)
        problems.check(start.map { $0 != nil } ?? true, "clip_start \(o.clipStart ?? "")")
        if let end {
            problems.check(end != nil, "clip_end \(o.clipEnd ?? "")")
            if let e = end { problems.check(e > ((start ?? nil) ?? 0), "clip_end \(e) not after clip_start") }
        }
    }

    /// The document itself: UTF-8, at most one BOM and only at the start, and no unknown key.
    private static func checkDocument(_ input: [UInt8], into problems: inout Problems) {
        let body = bodyWithoutBOM(input)
        problems.check(String(validating: body, as: UTF8.self) != nil, "accepted invalid UTF-8")
        problems.check(
            !body.indices.contains { i in
                i + 2 < body.count && body[i] == 0xEF && body[i + 1] == 0xBB && body[i + 2] == 0xBF
            }, "accepted a BOM after the start")
        // Unknown keys are never accepted, checked with a second parser: one that cannot read an accepted
        // document is a finding too, so this check is never skipped.
        guard let object = secondParse(body) else {
            problems.list.append("accepted a document JSONSerialization cannot read as an object")
            return
        }
        let unknown = Set(object.keys).subtracting(SpecVocabulary.topLevelKeys)
        problems.check(unknown.isEmpty, "accepted unknown keys \(unknown.sorted())")
        guard let items = object["jobs"] as? [Any] else {
            problems.list.append("accepted a document whose jobs is not an array")
            return
        }
        for item in items {
            guard let fields = item as? [String: Any] else {
                problems.list.append("accepted a job item that is not an object")
                continue
            }
            let extra = Set(fields.keys).subtracting(SpecVocabulary.jobItemKeys)
            problems.check(extra.isEmpty, "accepted unknown job keys \(extra.sorted())")
        }
    }

    static func bodyWithoutBOM(_ input: [UInt8]) -> [UInt8] {
        input.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(input.dropFirst(3)) : input
    }

    /// The document read by Foundation's parser, independent of the validator's `StrictJSON`.
    static func secondParse(_ body: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) as? [String: Any]
    }

    /// Every way a rejection can be unusable, or miss a field the input certainly gets wrong; empty when it is fine.
    static func violations(of rejection: BatchRejection, input: [UInt8], tally: inout RejectionTally) -> [String] {
        var problems: [String] = []
        if rejection.errors.isEmpty { problems.append("a rejection without errors") }
        for error in rejection.errors {
            if error.field.isEmpty { problems.append("an error with an empty field: \(error.message)") }
            if error.message.isEmpty { problems.append("an error with an empty message for \(error.field)") }
            // Messages quote user values shortened, so a huge value cannot flood the receipt.
            if error.message.count > 1000 { problems.append("a \(error.message.count)-character message") }
        }
        let fields = rejection.errors.map(\.field)
        if fields.contains("$") && fields.count > 1 { problems.append("a $ error next to others: \(fields)") }
        if fields == ["$"] { return problems }
        // A field-level rejection means the document was readable: Foundation must read it too.
        guard let object = secondParse(bodyWithoutBOM(input)) else {
            tally.unreadable += 1
            return problems
        }
        let expected = RejectionExpectations(object: object)
        tally.checked += 1
        tally.expectedFields += expected.fields.count
        let named = Set(fields)
        for field in expected.fields.sorted() where !named.contains(field) {
            problems.append("the rejection does not name \(field) (it names \(fields))")
        }
        for field in named where !expected.canName(field) {
            problems.append("the rejection names \(field), which is not in the document")
        }
        return problems
    }
}

/// How many field-level rejections the oracle could check, so a vacuous oracle shows up in the test.
struct RejectionTally: Sendable {
    var checked = 0
    var expectedFields = 0
    var unreadable = 0

    mutating func merge(_ other: RejectionTally) {
        checked += other.checked
        expectedFields += other.expectedFields
        unreadable += other.unreadable
    }
}
