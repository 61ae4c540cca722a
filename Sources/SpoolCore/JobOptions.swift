import Foundation

/// The options that apply to every job of a batch, after defaults (folder-contract §3).
///
/// Encoded with the request's own names (`video_codec`, …) so the job status file can echo
/// them exactly as the hosted API does. `nil` optionals encode as absent keys.
package struct JobOptions: Codable, Sendable, Equatable {
    package var format: String
    package var videoCodec: String
    package var audioCodec: String
    /// `nil` means "192k when transcoding" (folder-contract §3: the default applies only when audio is encoded).
    package var audioBitrate: String?
    package var videoQuality: Int
    package var audioOnly: Bool
    package var downloadSubtitles: Bool
    package var downloadThumbnail: Bool
    package var qualityPreset: String?
    package var maxResolution: String
    package var clipStart: String?
    package var clipEnd: String?
    package var liveRecording: Bool
    package var liveFromStart: Bool
    package var maxDuration: Int?
    package var waitForVideo: Bool

    package init(
        format: String = "mp4", videoCodec: String = "copy", audioCodec: String = "copy",
        audioBitrate: String? = nil, videoQuality: Int = 23, audioOnly: Bool = false,
        downloadSubtitles: Bool = false, downloadThumbnail: Bool = false, qualityPreset: String? = nil,
        maxResolution: String = "best", clipStart: String? = nil, clipEnd: String? = nil,
        liveRecording: Bool = false, liveFromStart: Bool = false, maxDuration: Int? = nil,
        waitForVideo: Bool = false
    ) {
        self.format = format
        self.videoCodec = videoCodec
        self.audioCodec = audioCodec
        self.audioBitrate = audioBitrate
        self.videoQuality = videoQuality
        self.audioOnly = audioOnly
        self.downloadSubtitles = downloadSubtitles
        self.downloadThumbnail = downloadThumbnail
        self.qualityPreset = qualityPreset
        self.maxResolution = maxResolution
        self.clipStart = clipStart
        self.clipEnd = clipEnd
        self.liveRecording = liveRecording
        self.liveFromStart = liveFromStart
        self.maxDuration = maxDuration
        self.waitForVideo = waitForVideo
    }

    enum CodingKeys: String, CodingKey {
        case format
        case videoCodec = "video_codec"
        case audioCodec = "audio_codec"
        case audioBitrate = "audio_bitrate"
        case videoQuality = "video_quality"
        case audioOnly = "audio_only"
        case downloadSubtitles = "download_subtitles"
        case downloadThumbnail = "download_thumbnail"
        case qualityPreset = "quality_preset"
        case maxResolution = "max_resolution"
        case clipStart = "clip_start"
        case clipEnd = "clip_end"
        case liveRecording = "live_recording"
        case liveFromStart = "live_from_start"
        case maxDuration = "max_duration"
        case waitForVideo = "wait_for_video"
    }

    /// The CRF the encoder uses: the preset's when one is set, else `video_quality`.
    package var effectiveCRF: Int {
        switch qualityPreset {
        case "highest": 18
        case "high": 20
        case "medium": 23
        case "low": 28
        case "lowest": 32
        default: videoQuality
        }
    }

    /// The cap on the source's shorter side: the lower of `max_resolution` and the preset's cap.
    /// `nil` means no cap. `lowest` is handled separately (it asks for the smallest source).
    package var heightCap: Int? {
        let fromResolution = Int(maxResolution)
        let fromPreset: Int? =
            switch qualityPreset {
            case "high": 1080
            case "medium": 720
            case "low": 480
            default: nil
            }
        switch (fromResolution, fromPreset) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    /// What the status reports as `requested_quality`: the preset's name, else `max_resolution`.
    package var requestedQuality: String { qualityPreset ?? maxResolution }
}
