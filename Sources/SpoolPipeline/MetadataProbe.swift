import Foundation
import SpoolCore

/// A URL's metadata without downloading it (the HTTP API's `POST /metadata`): yt-dlp's JSON, and where it
/// has no duration or size (a direct media file) ffprobe reads them from the source's header. Bounded by
/// `limit`: past it the tools are stopped (cancellation stops their process groups) and `.timedOut` thrown.
///
/// The caller checks the URL first (folder-contract §3 and the SSRF rule of §9): here it is only ever passed
/// after `--` (yt-dlp) or as `-i`'s value with a protocol whitelist (ffprobe), never as an option.
package struct MetadataProbe: Sendable {
    package var ytDlp: String
    package var ffprobe: String
    package var socketTimeout: Int
    package var limit: Duration
    package var runner = ToolRunner()

    package init(ytDlp: String, ffprobe: String, socketTimeout: Int, limit: Duration) {
        self.ytDlp = ytDlp
        self.ffprobe = ffprobe
        self.socketTimeout = socketTimeout
        self.limit = limit
    }

    package enum Failure: Error, Equatable {
        case timedOut
        /// yt-dlp could not read the URL: its last error line.
        case unreadable(String)
    }

    package func metadata(url: String) async throws -> MetadataSummary {
        try await withThrowingTaskGroup(of: MetadataSummary?.self) { group in
            group.addTask { try await read(url) }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let summary = first else { throw Failure.timedOut }
            return summary
        }
    }

    private func read(_ url: String) async throws -> MetadataSummary {
        let lines = LineCollector()
        let result = try await runner.run(
            ytDlp,
            arguments: [
                "--dump-single-json", "--skip-download", "--no-playlist", "--no-warnings", "--socket-timeout",
                "\(socketTimeout)", "--", url,
            ],
            onLine: { await lines.append($0) })
        guard result.succeeded else {
            let last = result.stderrTail.last { $0.contains("ERROR") } ?? result.stderrTail.last ?? "no output"
            throw Failure.unreadable(last.replacingOccurrences(of: "yt-dlp", with: "downloader"))
        }
        var summary = MetadataSummary(ytDlpJSON: Data(await lines.text.utf8))
        if summary.duration == nil || summary.filesizeApprox == nil {
            try await addHeader(of: url, to: &summary)
        }
        return summary
    }

    /// ffprobe on the source itself (over http/https only): duration, size and the video's dimensions.
    private func addHeader(of url: String, to summary: inout MetadataSummary) async throws {
        let lines = LineCollector()
        let result = try await runner.run(
            ffprobe,
            arguments: [
                "-v", "error", "-protocol_whitelist", "http,https,tcp,tls", "-show_format", "-show_streams", "-of",
                "json", "-i", url,
            ],
            onLine: { await lines.append($0) })
        guard result.succeeded,
            let object = try? JSONSerialization.jsonObject(with: Data(await lines.text.utf8)) as? [String: Any]
        else { return }
        let format = object["format"] as? [String: Any] ?? [:]
        summary.duration = summary.duration ?? (format["duration"] as? String).flatMap(Double.init)
        summary.filesizeApprox = summary.filesizeApprox ?? (format["size"] as? String).flatMap(Int64.init)
        let video = (object["streams"] as? [[String: Any]] ?? []).first { $0["codec_type"] as? String == "video" }
        summary.width = summary.width ?? video?["width"] as? Int
        summary.height = summary.height ?? video?["height"] as? Int
    }
}

/// The hosted API's `POST /metadata` body; every field is written, `null` when unknown.
package struct MetadataSummary: Encodable, Sendable, Equatable {
    package var title: String?
    package var duration: Double?
    package var width: Int?
    package var height: Int?
    package var extractor: String?
    package var uploader: String?
    package var thumbnail: String?
    package var description: String?
    package var viewCount: Int?
    package var likeCount: Int?
    package var uploadDate: String?
    package var filesizeApprox: Int64?

    package init() {}

    /// From `yt-dlp --dump-single-json`.
    package init(ytDlpJSON data: Data) {
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        func string(_ key: String) -> String? { (object[key] as? String).flatMap { $0.isEmpty ? nil : $0 } }
        func int(_ key: String) -> Int? { (object[key] as? NSNumber)?.intValue }
        title = string("title")
        duration = (object["duration"] as? NSNumber)?.doubleValue
        width = int("width")
        height = int("height")
        extractor = string("extractor_key") ?? string("extractor")
        uploader = string("uploader")
        thumbnail = string("thumbnail")
        description = string("description")
        viewCount = int("view_count")
        likeCount = int("like_count")
        uploadDate = string("upload_date")
        filesizeApprox = ((object["filesize_approx"] ?? object["filesize"]) as? NSNumber)?.int64Value
    }

    enum CodingKeys: String, CodingKey {
        case title, duration, width, height, extractor, uploader, thumbnail, description
        case viewCount = "view_count"
        case likeCount = "like_count"
        case uploadDate = "upload_date"
        case filesizeApprox = "filesize_approx"
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(title, forKey: .title)
        try c.encode(duration, forKey: .duration)
        try c.encode(width, forKey: .width)
        try c.encode(height, forKey: .height)
        try c.encode(extractor, forKey: .extractor)
        try c.encode(uploader, forKey: .uploader)
        try c.encode(thumbnail, forKey: .thumbnail)
        try c.encode(description, forKey: .description)
        try c.encode(viewCount, forKey: .viewCount)
        try c.encode(likeCount, forKey: .likeCount)
        try c.encode(uploadDate, forKey: .uploadDate)
        try c.encode(filesizeApprox, forKey: .filesizeApprox)
    }
}
