import Foundation

extension JobStatusDocument {
    /// The outputs of a Completed job (folder-contract §5), written into the job's own object. Unknown values
    /// are `null`; `transcode_reason`, `stopped_reason` and `note` are absent unless they apply.
    package struct CompletedResult: Codable, Sendable, Equatable {
        package var s3Key: String?
        package var s3Url: String?
        package var outputPath: String?
        package var subtitleKey: String?
        package var subtitleKeys: [String] = []
        package var subtitleUrl: String?
        package var thumbnailKey: String?
        package var thumbnailUrl: String?
        package var fileSize: Int64?
        package var durationSeconds: Double?
        package var title: String?
        package var description: String?
        package var releaseDate: String?
        package var nativeVideoCodec: String?
        package var nativeAudioCodec: String?
        package var outputVideoCodec: String?
        package var outputAudioCodec: String?
        package var actualQuality: String?
        package var downloadSpeedMbps: Double?
        package var downloadDurationMs: Int64?
        package var muxDurationMs: Int64?
        package var uploadDurationMs: Int64?
        package var totalDurationMs: Int64?
        package var transcodeReason: String?
        package var stoppedReason: String?
        package var note: String?
        /// Bucket publishing only (docs/publishing.md); absent for local outputs.
        package var uploadSpeedMbps: Double?
        package var uploadRetries: Int?
        package var fileDeletedAt: Int64?

        package init() {}

        enum CodingKeys: String, CodingKey {
            case title, description, note
            case s3Key = "s3_key"
            case s3Url = "s3_url"
            case outputPath = "output_path"
            case subtitleKey = "subtitle_key"
            case subtitleKeys = "subtitle_keys"
            case subtitleUrl = "subtitle_url"
            case thumbnailKey = "thumbnail_key"
            case thumbnailUrl = "thumbnail_url"
            case fileSize = "file_size"
            case durationSeconds = "duration_s"
            case releaseDate = "release_date"
            case nativeVideoCodec = "native_video_codec"
            case nativeAudioCodec = "native_audio_codec"
            case outputVideoCodec = "output_video_codec"
            case outputAudioCodec = "output_audio_codec"
            case actualQuality = "actual_quality"
            case downloadSpeedMbps = "download_speed_mbps"
            case downloadDurationMs = "download_duration_ms"
            case muxDurationMs = "mux_duration_ms"
            case uploadDurationMs = "upload_duration_ms"
            case totalDurationMs = "total_duration_ms"
            case transcodeReason = "transcode_reason"
            case stoppedReason = "stopped_reason"
            case uploadSpeedMbps = "upload_speed_mbps"
            case uploadRetries = "upload_retries"
            case fileDeletedAt = "file_deleted_at"
        }

        package func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeOrNull(s3Key, forKey: .s3Key)
            try c.encodeOrNull(s3Url, forKey: .s3Url)
            try c.encodeOrNull(outputPath, forKey: .outputPath)
            try c.encodeOrNull(subtitleKey, forKey: .subtitleKey)
            try c.encode(subtitleKeys, forKey: .subtitleKeys)
            try c.encodeOrNull(subtitleUrl, forKey: .subtitleUrl)
            try c.encodeOrNull(thumbnailKey, forKey: .thumbnailKey)
            try c.encodeOrNull(thumbnailUrl, forKey: .thumbnailUrl)
            try c.encodeOrNull(fileSize, forKey: .fileSize)
            try c.encodeOrNull(durationSeconds, forKey: .durationSeconds)
            try c.encodeOrNull(title, forKey: .title)
            try c.encodeOrNull(description, forKey: .description)
            try c.encodeOrNull(releaseDate, forKey: .releaseDate)
            try c.encodeOrNull(nativeVideoCodec, forKey: .nativeVideoCodec)
            try c.encodeOrNull(nativeAudioCodec, forKey: .nativeAudioCodec)
            try c.encodeOrNull(outputVideoCodec, forKey: .outputVideoCodec)
            try c.encodeOrNull(outputAudioCodec, forKey: .outputAudioCodec)
            try c.encodeOrNull(actualQuality, forKey: .actualQuality)
            try c.encodeOrNull(downloadSpeedMbps, forKey: .downloadSpeedMbps)
            try c.encodeOrNull(downloadDurationMs, forKey: .downloadDurationMs)
            try c.encodeOrNull(muxDurationMs, forKey: .muxDurationMs)
            try c.encodeOrNull(uploadDurationMs, forKey: .uploadDurationMs)
            try c.encodeOrNull(totalDurationMs, forKey: .totalDurationMs)
            try c.encodeIfPresent(transcodeReason, forKey: .transcodeReason)
            try c.encodeIfPresent(stoppedReason, forKey: .stoppedReason)
            try c.encodeIfPresent(note, forKey: .note)
            try c.encodeIfPresent(uploadSpeedMbps, forKey: .uploadSpeedMbps)
            try c.encodeIfPresent(uploadRetries, forKey: .uploadRetries)
            try c.encodeIfPresent(fileDeletedAt, forKey: .fileDeletedAt)
        }
    }
}
