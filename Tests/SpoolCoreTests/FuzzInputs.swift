import Foundation
import Testing

@testable import SpoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// SplitMix64: small, fast, and the same on every platform.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A JSON tree that keeps key order and can hold number text no Swift type holds (`1e400`).
indirect enum FuzzJSON {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case rawNumber(String)
    case string(String)
    case array([FuzzJSON])
    case object([(String, FuzzJSON)])

    var kindIndex: Int {
        switch self {
        case .null: 0
        case .bool: 1
        case .int, .double, .rawNumber: 2
        case .string: 3
        case .array: 4
        case .object: 5
        }
    }

    /// JSON text; `escapeNonASCII` writes non-ASCII as `\uXXXX` (surrogate pairs for the astral planes).
    func text(escapeNonASCII: Bool = false) -> String {
        var out = ""
        write(into: &out, escapeNonASCII: escapeNonASCII)
        return out
    }

    private func write(into out: inout String, escapeNonASCII: Bool) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? "\(d)" : "1e400"
        case .rawNumber(let text): out += text
        case .string(let s): Self.quote(s, into: &out, escapeNonASCII: escapeNonASCII)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                item.write(into: &out, escapeNonASCII: escapeNonASCII)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += ", " }
                Self.quote(key, into: &out, escapeNonASCII: escapeNonASCII)
                out += ": "
                value.write(into: &out, escapeNonASCII: escapeNonASCII)
            }
            out += "}"
        }
    }

    static func quote(_ s: String, into out: inout String, escapeNonASCII: Bool) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (escapeNonASCII && scalar.value > 0x7E) {
                    for unit in String(scalar).utf16 { out += String(format: "\\u%04x", unit) }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// Builds fuzz inputs: structured batches (valid and not), mutations of them, and random JSON or bytes.
struct FuzzInputs {
    var rng: SplitMix64

    // MARK: pools

    static let knownKeys = SpecVocabulary.topLevelKeys
    static let validURLs = [
        "https://example.com/watch?v=1", "http://example.com/a", "HTTPS://EXAMPLE.COM/X",
        "https://[2001:db8::1]:8443/v",
        "http://127.0.0.1:9/x", "https://例え.jp/動画", "https://example.com/%20a%00", "https://user:pw@example.com/v",
        "http://a", "https://example.com/?a=b&c=d#frag",
        "https://example.com/a..b/../c", "https://example.com/-x",
    ]
    static let badURLs = [
        "ftp://example.com/a", "file:///etc/passwd", "-x", "--exec=id", " https://a.example", "https://a b.example",
        "", "javascript:alert(1)", "https://", "//a/b",
        "example.com", "https://example.com/\n", "https://example.com/\u{2028}", "https://example.com/\u{200B}",
        "https://example.com/\u{0}", "https://exa<mple>.com", "data:,x", "http:///x", "https://example.com/\u{FEFF}",
    ]
    static let trickyScalars: [Unicode.Scalar] = [
        "\u{0}", "\u{1}", "\u{7}", "\u{9}", "\u{A}", "\u{D}", "\u{1F}", "\u{7F}", "\u{85}", "\u{A0}", "\u{AD}",
        "\u{300}", "\u{301}", "\u{200B}", "\u{200D}", "\u{200E}", "\u{2028}", "\u{2029}", "\u{202E}", "\u{2066}",
        "\u{3000}", "\u{FEFF}", "\u{FFFD}", "\u{FFFF}", "\u{1F600}", "\u{10FFFF}", "/", "\\", ".", ":", "*", "?",
        "\"", "<", ">", "|", " ", "-", "~", "%", "é", "ß", "日", "\u{130}", "\u{212A}", "\u{FF0F}", "\u{2215}",
    ]
    static let validFilenames = [
        "clip", "My  Clip?", "CON", "  .hidden. ", "日本語", "a\tb", "e\u{301}", "", ".", "emoji😀", "a:b*c",
        "nul", "x.y", "-x",
    ]
    static let badFilenames = [
        "..", "a/b", "a\\b", "\u{0}", "../x", "x..y", "/", "C:\\x", "a\u{0}b",
    ]
    static let validFolders = [
        "a", "a/b", "videos//2024/", "日本/語", "a b/c", "CON", "x/y/z", "a/b/", "-x", "~", "%2e%2e", "a..b/c",
    ]
    static let badFolders = [
        "..", "/a", "\\a", "a\\b", "", " ", ".", "a/./b", "a\u{0}b", "a/../b",
        "a/ /b", "???", "a/.../b",
    ]
    static let enumValues: [String: [String]] = [
        "format": SpecVocabulary.videoFormats + SpecVocabulary.audioFormats + ["MP4", "avi", "", " mp4"],
        "video_codec": SpecVocabulary.videoCodecs + ["H264", "hevc", "av1", ""],
        "audio_codec": SpecVocabulary.audioCodecs + ["AAC", "flac", "vorbis", ""],
        "audio_bitrate": ["64k", "128k", "192k", "256k", "320k", "128", "96k", "128K"],
        "quality_preset": ["highest", "high", "medium", "low", "lowest", "ultra", "Highest"],
        "max_resolution": SpecVocabulary.resolutions + ["1080p", "4k", "0", "best "],
        "clip_start": ["0", "5", "00:00:01", "01:30", "90.5", "00:01:02.25", "abc", "-5", "00:60:00", "1e3", "", "5s"],
        "clip_end": ["3", "10", "00:00:02", "02:00", "91", "00:00:00", "0", "x", "59:59", "1:00:00.5"],
        "idempotency_key": ["k", "key-1", ""],
        "api_key": ["secret", "", "k"],
    ]
    /// Values at and just past the length limits; costly to check, so drawn rarely.
    static let longValues: [String: [String]] = [
        "url": [
            "https://example.com/" + String(repeating: "a", count: 2028),
            "https://example.com/" + String(repeating: "a", count: 2029),
        ],
        "filename": [
            String(repeating: "n", count: 255), String(repeating: "é", count: 150), String(repeating: "n", count: 256),
        ],
        "folder": [String(repeating: "f", count: 200), String(repeating: "f", count: 201)],
        "idempotency_key": [String(repeating: "k", count: 200), String(repeating: "k", count: 201)],
    ]
    static let boolKeys = [
        "audio_only", "download_subtitles", "download_thumbnail", "live_recording", "live_from_start", "wait_for_video",
    ]
    static let extraKeys = [
        "audio_onyl", "webhook_url", "enable_progress_webhook", "storage", "paused", "Format", "jobz", "url", "x",
        "filename", "AUDIO_ONLY", "audio-only",
    ]
    static let interestingTokens: [[UInt8]] = [
        [0x00], [0xEF, 0xBB, 0xBF], [0x22], [0x5C], [0x7B], [0x7D], [0x5B], [0x5D], [0x2C], [0x3A], [0xC0, 0xAF],
        [0xFF], [0xFE], [0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], Array("\\u0000".utf8),
        Array("\\ud800".utf8), Array("\\udc00\\ud800".utf8), Array("\\u202e".utf8), Array("1e400".utf8),
        Array("-0".utf8), Array("null".utf8), Array("true".utf8), Array("../".utf8), Array("\\\\".utf8),
        Array(" ".utf8), Array("\n".utf8), Array("\t".utf8), Array("\\n".utf8), Array("9999999999999999999999".utf8),
    ]

    // MARK: helpers

    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }

    mutating func randomString(maxLength: Int = 12) -> String {
        var s = String.UnicodeScalarView()
        for _ in 0..<int(0..<(maxLength + 1)) {
            if chance(0.35) {
                s.append(pick(Self.trickyScalars))
            } else if chance(0.1) {
                // Any scalar at all (skipping the surrogate range, which is not a scalar).
                let value = UInt32(int(0..<0x10_F800))
                s.append(Unicode.Scalar(value < 0xD800 ? value : value + 0x800) ?? "?")
            } else {
                s.append(Unicode.Scalar(UInt8(int(0x20..<0x7F))))
            }
        }
        return String(s)
    }

    mutating func randomJSON(depth: Int = 0) -> FuzzJSON {
        let leaf = depth >= 4 || chance(0.5)
        switch int(0..<(leaf ? 5 : 7)) {
        case 0: return .null
        case 1: return .bool(chance(0.5))
        case 2:
            switch int(0..<5) {
            case 0: return .int(Int.random(in: Int.min...Int.max, using: &rng))
            case 1: return .double(Double.random(in: -1e6...1e6, using: &rng))
            case 2:
                return .rawNumber(pick(["1e400", "-1e400", "99999999999999999999999", "23.0", "1E2", "-0", "0.5e-3"]))
            default: return .int(int(-100..<200))
            }
        case 3, 4:
            if chance(0.5) { return .string(pick(Self.validURLs + Self.badURLs + Self.validFolders)) }
            return .string(randomString())
        case 5: return .array((0..<int(0..<4)).map { _ in randomJSON(depth: depth + 1) })
        default:
            return .object(
                (0..<int(0..<5)).map { _ in
                    (
                        chance(0.85) ? pick(Self.knownKeys + ["url", "filename"]) : randomString(maxLength: 6),
                        randomJSON(depth: depth + 1)
                    )
                })
        }
    }

    /// A value for `key` that is usually right for it.
    mutating func value(for key: String) -> FuzzJSON {
        if chance(0.08) { return randomJSON(depth: 3) }
        if let long = Self.longValues[key], chance(0.03) { return .string(pick(long)) }
        if let values = Self.enumValues[key] { return .string(chance(0.9) ? pick(values) : randomString()) }
        switch key {
        case "folder":
            return .string(chance(0.8) ? pick(Self.validFolders) : chance(0.7) ? pick(Self.badFolders) : randomString())
        case "video_quality": return chance(0.9) ? .int(int(0..<52)) : .int(pick([-1, 52, 100, Int.min]))
        case "max_duration": return chance(0.9) ? .int(int(1..<100_000)) : .int(pick([0, -1, Int.min]))
        case "max_resolution" where chance(0.2): return .int(pick([720, 1080, 1081, 0]))
        default:
            if Self.boolKeys.contains(key) { return chance(0.92) ? .bool(chance(0.5)) : .int(int(0..<2)) }
            return randomJSON(depth: 3)
        }
    }

    mutating func jobItem() -> FuzzJSON {
        var members: [(String, FuzzJSON)] = []
        let url: FuzzJSON =
            chance(0.02)
            ? .string(pick(Self.longValues["url"]!))
            : chance(0.85)
                ? .string(pick(Self.validURLs)) : chance(0.8) ? .string(pick(Self.badURLs)) : .string(randomString())
        if chance(0.97) { members.append(("url", url)) }
        if chance(0.5) {
            let name =
                chance(0.03)
                ? pick(Self.longValues["filename"]!)
                : chance(0.75) ? pick(Self.validFilenames) : chance(0.6) ? pick(Self.badFilenames) : randomString()
            members.append(("filename", .string(name)))
        }
        if chance(0.02) { members.append((pick(["URL", "title", "format", "urls"]), .string("x"))) }
        return chance(0.985) ? .object(members.shuffled(using: &rng)) : randomJSON(depth: 2)
    }

    /// A batch built from the vocabulary: valid more often than not per key, so some batches pass.
    mutating func structuredBatch() -> FuzzJSON {
        var members: [(String, FuzzJSON)] = []
        let count = chance(0.005) ? pick([0, 99, 100, 101]) : chance(0.7) ? 1 : int(2..<4)
        if chance(0.98) { members.append(("jobs", .array((0..<count).map { _ in jobItem() }))) }
        for key in Self.knownKeys where key != "jobs" && chance(0.2) {
            members.append((key, value(for: key)))
        }
        // Keep audio formats with audio_only most of the time, so that some batches are accepted.
        if let index = members.firstIndex(where: { $0.0 == "format" }), case .string(let f) = members[index].1,
            SpecVocabulary.audioFormats.contains(f), chance(0.8)
        {
            members.removeAll { $0.0 == "audio_only" }
            members.append(("audio_only", .bool(true)))
        }
        if chance(0.04) { members.append((pick(Self.extraKeys), randomJSON(depth: 3))) }
        return .object(members.shuffled(using: &rng))
    }

    // MARK: mutations

    /// Key renames, type swaps, random unicode in strings, removals and duplicates, anywhere in the tree.
    mutating func mutateTree(_ value: FuzzJSON, depth: Int = 0) -> FuzzJSON {
        switch value {
        case .object(var members) where !members.isEmpty && (depth == 0 || chance(0.5)):
            let i = int(0..<members.count)
            switch int(0..<6) {
            case 0: members[i].0 = renamed(members[i].0)
            case 1: members[i].1 = swappedType(members[i].1)
            case 2: members.remove(at: i)
            case 3: members.append(members[i])  // a duplicate key
            default: members[i].1 = mutateTree(members[i].1, depth: depth + 1)
            }
            return .object(members)
        case .array(var items) where !items.isEmpty:
            let i = int(0..<items.count)
            switch int(0..<4) {
            case 0: items[i] = swappedType(items[i])
            case 1: items.append(contentsOf: Array(repeating: items[i], count: int(1..<101)))
            default: items[i] = mutateTree(items[i], depth: depth + 1)
            }
            return .array(items)
        case .string(let s):
            var scalars = Array(s.unicodeScalars)
            for _ in 0..<int(1..<4) {
                let scalar =
                    chance(0.7) ? pick(Self.trickyScalars) : randomString(maxLength: 2).unicodeScalars.first ?? "x"
                scalars.insert(scalar, at: int(0..<(scalars.count + 1)))
            }
            if chance(0.03) { scalars = Array(repeating: scalars.first ?? "a", count: int(190..<2100)) }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            return .string(String(view))
        default:
            return swappedType(value)
        }
    }

    mutating func renamed(_ key: String) -> String {
        switch int(0..<9) {
        case 0: return key.uppercased()
        case 1: return key.replacingOccurrences(of: "_", with: "-")
        case 2: return key.isEmpty ? "k" : String(key.dropLast())
        case 3:
            var chars = Array(key)
            if chars.count > 1 {
                let i = int(0..<(chars.count - 1))
                chars.swapAt(i, i + 1)
            }
            return String(chars)
        case 4: return pick(Self.knownKeys + Self.extraKeys)
        case 5: return key + pick(["s", " ", "\u{0}", "\u{301}", "_"])
        case 6: return ""
        default: return randomString(maxLength: 8)
        }
    }

    mutating func swappedType(_ value: FuzzJSON) -> FuzzJSON {
        while true {
            let other = randomJSON(depth: 2)
            if other.kindIndex != value.kindIndex { return other }
        }
    }

    /// Byte-level damage: flips, inserts of interesting bytes, deletions, duplications, truncation.
    mutating func mutateBytes(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0..<int(1..<5) {
            let n = bytes.count
            switch int(0..<7) {
            case 0 where n > 0: bytes[int(0..<n)] ^= UInt8(1) << UInt8(int(0..<8))
            case 1 where n > 0: bytes[int(0..<n)] = UInt8(int(0..<256))
            case 2: bytes.insert(contentsOf: pick(Self.interestingTokens), at: int(0..<(n + 1)))
            case 3 where n > 0:
                let start = int(0..<n)
                bytes.removeSubrange(start..<min(n, start + int(1..<8)))
            case 4 where n > 1:
                let start = int(0..<n)
                let end = min(n, start + int(1..<32))
                bytes.insert(contentsOf: bytes[start..<end], at: int(0..<(n + 1)))
            case 5 where n > 0: bytes.removeSubrange(int(0..<n)..<n)
            case 6 where n > 1: bytes.swapAt(int(0..<n), int(0..<n))
            default: bytes.append(UInt8(int(0..<256)))
            }
        }
        return bytes
    }

    /// Input number `index`: one of five kinds, each a pure function of the generator's state.
    mutating func make() -> [UInt8] { makeWithKind().bytes }

    static let kinds = ["structured", "byte-mutated", "tree-mutated", "random JSON", "random bytes"]

    mutating func makeWithKind() -> (kind: Int, bytes: [UInt8]) {
        let escape = chance(0.15)
        let roll = int(0..<100)
        let kind = roll < 30 ? 0 : roll < 65 ? 1 : roll < 83 ? 2 : roll < 93 ? 3 : 4
        return (kind, makeBytes(roll: roll, escape: escape))
    }

    private mutating func makeBytes(roll: Int, escape: Bool) -> [UInt8] {
        switch roll {
        case 0..<30:
            return Array(structuredBatch().text(escapeNonASCII: escape).utf8)
        case 30..<65:
            var bytes = Array(structuredBatch().text(escapeNonASCII: escape).utf8)
            if chance(0.1) { bytes = [0xEF, 0xBB, 0xBF] + bytes }
            return mutateBytes(bytes)
        case 65..<83:
            var tree = structuredBatch()
            for _ in 0..<int(1..<4) { tree = mutateTree(tree) }
            return Array(tree.text(escapeNonASCII: escape).utf8)
        case 83..<93:
            if chance(0.6) { return Array(FuzzJSON.object([("jobs", randomJSON())]).text().utf8) }
            return Array(randomJSON().text(escapeNonASCII: escape).utf8)
        default:
            return (0..<int(0..<64)).map { _ in UInt8(int(0..<256)) }
        }
    }
}
