import Foundation

/// What each output format can hold, and the codecs spool falls back to (folder-contract §3 decisions).
package struct Container: Sendable, Equatable {
    package var format: String

    package init(_ format: String) { self.format = format }

    package static let audioFormats: Set<String> = ["m4a", "mp3", "ogg", "opus"]
    package static let videoFormats: Set<String> = ["mp4", "mkv", "webm", "mov"]

    package var isAudio: Bool { Self.audioFormats.contains(format) }

    /// ffmpeg's muxer name for `-f`.
    package var muxer: String {
        switch format {
        case "mkv": "matroska"
        case "m4a": "ipod"
        default: format
        }
    }

    /// Video codecs (ffprobe `codec_name`) the container holds as they are.
    package func holdsVideo(_ codec: String) -> Bool {
        switch format {
        case "mp4": ["h264", "hevc", "vp9", "av1", "mpeg4"].contains(codec)
        case "mov": ["h264", "hevc", "mpeg4", "prores"].contains(codec)
        case "mkv": true
        case "webm": ["vp8", "vp9", "av1"].contains(codec)
        default: false
        }
    }

    /// Audio codecs (ffprobe `codec_name`) the container holds as they are.
    package func holdsAudio(_ codec: String) -> Bool {
        switch format {
        case "mp4": ["aac", "mp3", "opus", "alac", "flac"].contains(codec)
        case "mov": ["aac", "mp3", "alac", "pcm_s16le"].contains(codec)
        case "mkv": true
        case "webm": ["opus", "vorbis"].contains(codec)
        case "m4a": ["aac", "alac"].contains(codec)
        case "mp3": codec == "mp3"
        case "ogg": ["opus", "vorbis", "flac"].contains(codec)
        case "opus": codec == "opus"
        default: false
        }
    }

    /// The container's natural video codec (request name), used when `copy` cannot be honoured.
    package var naturalVideoCodec: String { format == "webm" ? "vp9" : "h264" }

    /// The container's natural audio codec (request name).
    package var naturalAudioCodec: String {
        switch format {
        case "webm", "ogg", "opus": "opus"
        case "mp3": "mp3"
        default: "aac"
        }
    }
}

/// Request codec names to ffprobe `codec_name`s.
package enum CodecName {
    package static func probeName(forVideo request: String) -> String {
        switch request {
        case "h265": "hevc"
        default: request
        }
    }

    package static func probeName(forAudio request: String) -> String { request }
}
