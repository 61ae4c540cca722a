import Foundation

/// The fields spool reads from yt-dlp's metadata JSON (`--print-to-file video:…j`).
struct SourceMetadata: Sendable {
    var title: String?
    var description: String?
    var releaseDate: String?
    var videoCodec: String?
    var audioCodec: String?
    var isLive: Bool
    /// The spoken language, when the site says (it picks the automatic-caption track).
    var language: String?

    init(json data: Data?) {
        let object = data.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        func string(_ key: String) -> String? {
            guard let value = object[key] as? String, !value.isEmpty, value != "none", value != "NA" else { return nil }
            return value
        }
        title = string("title")
        description = string("description")
        videoCodec = string("vcodec")
        audioCodec = string("acodec")
        isLive = (object["is_live"] as? Bool) ?? false
        language = string("language")
        if let day = string("release_date") ?? string("upload_date"), day.count == 8 {
            let y = day.prefix(4)
            let m = day.dropFirst(4).prefix(2)
            let d = day.suffix(2)
            releaseDate = "\(y)-\(m)-\(d)T00:00:00Z"
        } else if let ts = (object["release_timestamp"] as? Double) ?? (object["timestamp"] as? Double) {
            releaseDate = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: ts))
        }
    }
}
