import Foundation

/// The fields a rejected batch certainly gets wrong, worked out from a second parse and folder-contract §3 as written out in
/// `SpecVocabulary`: the validator's rejection must name each of them, and only fields the document has.
///
/// It only claims what is unambiguous through `JSONSerialization` (which on Linux cannot tell `true` from `1`),
/// so it is a lower bound: the validator may name more, never fewer.
struct RejectionExpectations {
    let object: [String: Any]
    private(set) var fields: Set<String> = []

    init(object: [String: Any]) {
        self.object = object
        for key in object.keys where !SpecVocabulary.topLevelKeys.contains(key) { fields.insert(Self.name(key)) }
        expectJobs()
        expectOptions()
        expectContradictions()
    }

    /// An empty key is named as `""` so the receipt still points at it.
    static func name(_ key: String) -> String { key.isEmpty ? "\"\"" : key }

    /// The value under `key`; absent and `null` both mean "not given", as folder-contract §3 says.
    func given(_ key: String, in object: [String: Any]? = nil) -> Any? {
        guard let value = (object ?? self.object)[key], !(value is NSNull) else { return nil }
        return value
    }

    static func isNumberOrBool(_ value: Any) -> Bool { value is NSNumber }
    static func isContainer(_ value: Any) -> Bool { value is [Any] || value is [String: Any] }

    private mutating func expectJobs() {
        guard let items = given("jobs") as? [Any] else {
            fields.insert("jobs")  // absent, null or not an array
            return
        }
        if items.isEmpty || items.count > 100 { fields.insert("jobs") }
        for (i, item) in items.enumerated() {
            let path = "jobs[\(i)]"
            guard let job = item as? [String: Any] else {
                fields.insert(path)
                continue
            }
            for key in job.keys where !SpecVocabulary.jobItemKeys.contains(key) {
                fields.insert("\(path).\(Self.name(key))")
            }
            if let url = given("url", in: job) as? String {
                if FuzzInputs.badURLs.contains(url) { fields.insert("\(path).url") }
            } else {
                fields.insert("\(path).url")  // absent, null or not a string
            }
            if let filename = given("filename", in: job) {
                if let text = filename as? String {
                    if FuzzInputs.badFilenames.contains(text) { fields.insert("\(path).filename") }
                } else {
                    fields.insert("\(path).filename")
                }
            }
        }
    }

    private mutating func expectOptions() {
        let enums: [String: [String]] = [
            "format": SpecVocabulary.videoFormats + SpecVocabulary.audioFormats,
            "video_codec": SpecVocabulary.videoCodecs, "audio_codec": SpecVocabulary.audioCodecs,
            "audio_bitrate": SpecVocabulary.audioBitrates, "quality_preset": SpecVocabulary.qualityPresets,
        ]
        for (key, allowed) in enums {
            guard let value = given(key) else { continue }
            if !((value as? String).map(allowed.contains) ?? false) { fields.insert(key) }
        }
        for key in SpecVocabulary.boolKeys {
            guard let value = given(key) else { continue }
            if value is String || Self.isContainer(value) { fields.insert(key) }
        }
        for key in ["folder", "clip_start", "clip_end", "idempotency_key", "api_key"] {
            guard let value = given(key) else { continue }
            if Self.isNumberOrBool(value) || Self.isContainer(value) { fields.insert(key) }
        }
        if let folder = given("folder") as? String, FuzzInputs.badFolders.contains(folder) { fields.insert("folder") }
        if let key = given("idempotency_key") as? String, key.isEmpty || key.count > 200 {
            fields.insert("idempotency_key")
        }
        for (key, range) in [("video_quality", 0...51), ("max_duration", 1...Int.max)] {
            guard let value = given(key) else { continue }
            if value is String || Self.isContainer(value) { fields.insert(key) }
            if let number = value as? Int, !range.contains(number) { fields.insert(key) }
        }
        if let value = given("max_resolution") {
            if Self.isContainer(value) { fields.insert("max_resolution") }
            if let text = value as? String, !SpecVocabulary.resolutions.contains(text) {
                fields.insert("max_resolution")
            }
        }
    }

    /// Contradictions where `audio_only` is certainly not `true`: a `1` reads like `true` through Foundation.
    private mutating func expectContradictions() {
        let audioOnly = given("audio_only")
        let certainlyNotAudio = audioOnly == nil || (audioOnly as? NSNumber).map { $0.intValue == 0 } ?? true
        guard certainlyNotAudio else { return }
        guard let explicit = given("format") else {
            expectCodecs(format: "mp4")
            return
        }
        guard let format = explicit as? String else { return }
        if SpecVocabulary.audioFormats.contains(format) {
            fields.insert("format")  // an audio format without audio_only
        } else if SpecVocabulary.videoFormats.contains(format) {
            expectCodecs(format: format)
        }
    }

    private mutating func expectCodecs(format: String) {
        if let codec = given("video_codec") as? String, codec != "copy", SpecVocabulary.videoCodecs.contains(codec),
            SpecVocabulary.videoCodecsByFormat[format]?.contains(codec) != true
        {
            fields.insert("video_codec")
        }
        if let codec = given("audio_codec") as? String, codec != "copy", SpecVocabulary.audioCodecs.contains(codec),
            SpecVocabulary.audioCodecsByFormat[format]?.contains(codec) != true
        {
            fields.insert("audio_codec")
        }
    }

    /// Whether a rejection may name `field`: a key the document has (or `jobs`, which it must have), or a job item.
    func canName(_ field: String) -> Bool {
        if SpecVocabulary.topLevelKeys.contains(field) { return true }
        if object.keys.contains(where: { Self.name($0) == field }) { return true }
        guard field.hasPrefix("jobs["), let close = field.firstIndex(of: "]"),
            let index = Int(field[field.index(field.startIndex, offsetBy: 5)..<close]),
            let items = object["jobs"] as? [Any], items.indices.contains(index)
        else { return false }
        let rest = field[field.index(after: close)...]
        if rest.isEmpty { return true }
        guard rest.hasPrefix(".") else { return false }
        let key = String(rest.dropFirst())
        if SpecVocabulary.jobItemKeys.contains(key) { return true }
        return (items[index] as? [String: Any])?.keys.contains { Self.name($0) == key } ?? false
    }
}
