import Foundation

/// The second yt-dlp call that fetches automatic captions, made only when the source has no real
/// subtitles (folder-contract §3): one language, the video's original one, converted to WebVTT.
package struct AutoCaptionPlan: Sendable, Equatable {
    /// The caption track to ask for (e.g. `en-orig`) and the language it is published as (`en`).
    package var track: String
    package var language: String
    package var arguments: [String]

    /// Picks the original language's track from the source's `automatic_captions` keys; nil when
    /// there is none to fetch (no captions, the language unknown, or narrowed away by configuration).
    package static func choose(
        captionLanguages: [String], originalLanguage: String?, allowed: [String]?
    ) -> (track: String, language: String)? {
        let keys = Set(captionLanguages)
        guard !keys.isEmpty else { return nil }
        var track: String?
        if let lang = originalLanguage, !lang.isEmpty {
            if keys.contains("\(lang)-orig") {
                track = "\(lang)-orig"
            } else if keys.contains(lang) {
                track = lang
            }
        }
        if track == nil {
            // YouTube marks the track in the spoken language `<lang>-orig`; alone, a single track is it.
            let originals = keys.filter { $0.hasSuffix("-orig") }.sorted()
            track = originals.first ?? (keys.count == 1 ? keys.first : nil)
        }
        guard let track else { return nil }
        let language = track.hasSuffix("-orig") ? String(track.dropLast("-orig".count)) : track
        if let allowed, !allowed.contains(language), !allowed.contains(track) { return nil }
        return (track, language)
    }

    package init(url: String, track: String, language: String, workDirectory: String, socketTimeout: Int) {
        self.track = track
        self.language = language
        arguments = [
            "--ignore-config", "--no-cache-dir", "--color", "never", "--quiet", "--no-warnings",
            "--socket-timeout", String(socketTimeout), "--no-playlist", "--playlist-items", "1",
            "--skip-download", "--write-auto-subs", "--sub-langs",
            "^\(NSRegularExpression.escapedPattern(for: track))$",
            "--convert-subs", "vtt",
            "-P", workDirectory, "-P", "temp:\(workDirectory)/.tmp", "-o", "captions.%(ext)s",
            "--", url,
        ]
    }

    /// The file yt-dlp writes, and the name it is published under (`media.<lang>.vtt`).
    package var writtenName: String { "captions.\(track).vtt" }
    package var publishedName: String { "media.\(language).vtt" }

    /// The language keys of yt-dlp's `automatic_captions` JSON (`null`/`NA` → none).
    package static func languages(fromJSON data: Data?) -> [String] {
        guard let data, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return object.filter { ($0.value as? [Any])?.isEmpty == false }.keys.sorted()
    }
}
