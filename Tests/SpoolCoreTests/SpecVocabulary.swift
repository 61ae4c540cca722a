/// folder-contract §3's option vocabulary, written out here so that the fuzz oracle never shares the validator's own tables
/// (a value dropped from or added to a validator table must make the oracle disagree).
enum SpecVocabulary {
    static let videoFormats = ["mp4", "mkv", "webm", "mov"]
    static let audioFormats = ["m4a", "mp3", "ogg", "opus"]
    static let videoCodecs = ["copy", "h264", "h265", "vp9"]
    static let audioCodecs = ["copy", "aac", "opus", "mp3"]
    static let audioBitrates = ["64k", "128k", "192k", "256k", "320k"]
    static let qualityPresets = ["highest", "high", "medium", "low", "lowest"]
    static let resolutions = ["best", "2160", "1440", "1080", "720", "480", "360"]
    static let topLevelKeys = [
        "jobs", "folder", "format", "video_codec", "audio_codec", "audio_bitrate", "video_quality", "audio_only",
        "download_subtitles", "download_thumbnail", "quality_preset", "max_resolution", "clip_start", "clip_end",
        "live_recording", "live_from_start", "max_duration", "wait_for_video", "idempotency_key", "api_key",
    ]
    static let jobItemKeys = ["url", "filename"]
    static let boolKeys = [
        "audio_only", "download_subtitles", "download_thumbnail", "live_recording", "live_from_start", "wait_for_video",
    ]

    /// The video codecs each video container can hold: folder-contract §3's refusals (webm holds only VP9) plus what
    /// ffmpeg 5.1 cannot write (VP9 in mov).
    static let videoCodecsByFormat: [String: Set<String>] = [
        "mp4": ["h264", "h265", "vp9"],
        "mkv": ["h264", "h265", "vp9"],
        "webm": ["vp9"],
        "mov": ["h264", "h265"],
    ]

    /// The audio codecs each container can hold: folder-contract §3's refusals plus ffmpeg 5.1's (Opus in mov; m4a is AAC only).
    static let audioCodecsByFormat: [String: Set<String>] = [
        "mp4": ["aac", "opus", "mp3"],
        "mkv": ["aac", "opus", "mp3"],
        "webm": ["opus"],
        "mov": ["aac", "mp3"],
        "m4a": ["aac"],
        "mp3": ["mp3"],
        "ogg": ["opus"],
        "opus": ["opus"],
    ]
}
