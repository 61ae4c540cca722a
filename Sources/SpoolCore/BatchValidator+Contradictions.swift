import Foundation

extension BatchValidator {
    /// Video codecs each video container can hold, as ffmpeg 5.1 writes them.
    /// `mov` cannot hold VP9: ffmpeg refuses with "vp9 only supported in MP4".
    static let videoCodecsByFormat: [String: [String]] = [
        "mp4": ["h264", "h265", "vp9"],
        "mkv": ["h264", "h265", "vp9"],
        "webm": ["vp9"],
        "mov": ["h264", "h265"],
    ]

    /// Audio codecs each container can hold, as ffmpeg 5.1 writes them.
    /// `mov` cannot hold Opus ("opus only supported in MP4"); `m4a` (ipod muxer) holds only AAC.
    static let audioCodecsByFormat: [String: [String]] = [
        "mp4": ["aac", "opus", "mp3"],
        "mkv": ["aac", "opus", "mp3"],
        "webm": ["opus"],
        "mov": ["aac", "mp3"],
        "m4a": ["aac"],
        "mp3": ["mp3"],
        "ogg": ["opus"],
        "opus": ["opus"],
    ]

    /// The pairs folder-contract §3 names; the rest of the table comes from what ffmpeg 5.1 refuses to write.
    static func isSpecPair(format: String, codec: String) -> Bool {
        switch (format, codec) {
        case ("webm", "h264"), ("webm", "h265"), ("webm", "aac"), ("webm", "mp3"),
            ("mp3", "opus"), ("mp3", "aac"),
            ("ogg", "aac"), ("ogg", "mp3"), ("opus", "aac"), ("opus", "mp3"):
            true
        default: false
        }
    }
}

extension BatchValidator.Validation {
    /// Options that are valid one by one but not together (folder-contract §3 "Rejected as contradictions").
    mutating func checkContradictions(explicitFormat: String?, options: JobOptions) {
        let format = options.format
        let formatName =
            explicitFormat != nil
            ? "format \(format)" : "format \(format) (the default\(options.audioOnly ? " with audio_only" : ""))"
        if let explicitFormat, BatchValidator.audioFormats.contains(explicitFormat), !options.audioOnly {
            fail(
                "format",
                "format \(explicitFormat) is an audio format, so it needs audio_only; set audio_only to true or choose \(BatchValidator.list(BatchValidator.videoFormats))"
            )
            return
        }
        if let explicitFormat, BatchValidator.videoFormats.contains(explicitFormat), options.audioOnly {
            fail(
                "format",
                "format \(explicitFormat) is a video format but audio_only is true; choose \(BatchValidator.list(BatchValidator.audioFormats)) or set audio_only to false"
            )
            return
        }
        if options.audioOnly, options.videoCodec != "copy" {
            fail(
                "video_codec",
                "video_codec \(options.videoCodec) cannot be used with audio_only, which writes no video; remove video_codec or set audio_only to false"
            )
        } else if options.videoCodec != "copy", let allowed = BatchValidator.videoCodecsByFormat[format],
            !allowed.contains(options.videoCodec)
        {
            let why =
                BatchValidator.isSpecPair(format: format, codec: options.videoCodec) ? "" : " (ffmpeg cannot write it)"
            let holders = BatchValidator.videoFormats.filter {
                BatchValidator.videoCodecsByFormat[$0]?.contains(options.videoCodec) == true
            }
            fail(
                "video_codec",
                "\(formatName) cannot hold \(options.videoCodec) video\(why); use video_codec \(BatchValidator.list(allowed)) or format \(BatchValidator.list(holders))"
            )
        }
        if options.audioCodec != "copy", let allowed = BatchValidator.audioCodecsByFormat[format],
            !allowed.contains(options.audioCodec)
        {
            let why =
                BatchValidator.isSpecPair(format: format, codec: options.audioCodec) ? "" : " (ffmpeg cannot write it)"
            let family = options.audioOnly ? BatchValidator.audioFormats : BatchValidator.videoFormats
            let holders = family.filter { BatchValidator.audioCodecsByFormat[$0]?.contains(options.audioCodec) == true }
            let alternative = holders.isEmpty ? "" : " or format \(BatchValidator.list(holders))"
            fail(
                "audio_codec",
                "\(formatName) cannot hold \(options.audioCodec) audio\(why); use audio_codec \(BatchValidator.list(allowed + ["copy"]))\(alternative)"
            )
        }
    }
}
