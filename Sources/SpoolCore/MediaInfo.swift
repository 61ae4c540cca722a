import Foundation

/// What ffprobe says about a media file: the parts spool decides and verifies with.
package struct MediaInfo: Sendable, Equatable {
    /// One stream of the file.
    package struct Stream: Sendable, Equatable {
        package var type: String
        package var codec: String
        package var width: Int?
        package var height: Int?

        package init(type: String, codec: String, width: Int? = nil, height: Int? = nil) {
            self.type = type
            self.codec = codec
            self.width = width
            self.height = height
        }
    }

    package var formatName: String
    package var duration: Double?
    package var streams: [Stream]

    package init(formatName: String, duration: Double?, streams: [Stream]) {
        self.formatName = formatName
        self.duration = duration
        self.streams = streams
    }

    package var video: Stream? { streams.first { $0.type == "video" && $0.codec != "mjpeg" && $0.codec != "png" } }
    package var audio: Stream? { streams.first { $0.type == "audio" } }

    /// The shorter side, which `max_resolution` and `actual_quality` are about (portrait counts).
    package var shorterSide: Int? {
        guard let v = video, let w = v.width, let h = v.height else { return nil }
        return min(w, h)
    }

    /// Parses `ffprobe -show_streams -show_format -of json` output.
    package static func parse(ffprobeJSON data: Data) -> MediaInfo? {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        let format = root["format"] as? [String: Any] ?? [:]
        let streams = (root["streams"] as? [[String: Any]] ?? []).compactMap { s -> Stream? in
            guard let type = s["codec_type"] as? String else { return nil }
            return Stream(
                type: type, codec: s["codec_name"] as? String ?? "unknown",
                width: s["width"] as? Int, height: s["height"] as? Int)
        }
        let duration = (format["duration"] as? String).flatMap(Double.init)
        return MediaInfo(formatName: format["format_name"] as? String ?? "", duration: duration, streams: streams)
    }
}
