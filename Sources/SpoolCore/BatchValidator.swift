import Foundation

/// What validation needs from the configuration.
package struct ValidationSettings: Sendable {
    /// The most `jobs` one batch may hold (folder-contract §3: 100).
    package var maxJobs: Int = 100
    /// When not empty, every batch must carry one of these as `api_key`.
    package var apiKeys: [String] = []
    /// When true, a URL whose host is a literal IP in a non-public range is rejected here (no DNS is done).
    /// Off by default because the service checks every host with `NetworkPolicy.refusal(forURL:)` after resolving it.
    package var refuseLiteralPrivateAddresses: Bool = false

    package init(maxJobs: Int = 100, apiKeys: [String] = [], refuseLiteralPrivateAddresses: Bool = false) {
        self.maxJobs = maxJobs
        self.apiKeys = apiKeys
        self.refuseLiteralPrivateAddresses = refuseLiteralPrivateAddresses
    }
}

/// A batch file that failed validation: every problem found, in a stable order.
package struct BatchRejection: Error, Sendable, Equatable {
    package var errors: [FieldError]

    package init(errors: [FieldError]) {
        self.errors = errors
    }

    /// "1 problem in batch file" / "3 problems in batch file"
    package var summary: String {
        errors.count == 1 ? "1 problem in batch file" : "\(errors.count) problems in batch file"
    }
}

/// Parses and checks batch files against folder-contract §3; pure, no I/O, no DNS.
package enum BatchValidator {
    /// Parses and validates a batch file's bytes, collecting every problem (all-or-nothing).
    package static func validate(_ data: Data, settings: ValidationSettings = .init()) -> Result<
        BatchRequest, BatchRejection
    > {
        let object: [String: JSONValue]
        switch parseDocument(data) {
        case .success(let parsed): object = parsed
        case .failure(let rejection): return .failure(rejection)
        }
        var validation = Validation(object: object, settings: settings)
        let request = validation.run()
        if let request, validation.errors.isEmpty { return .success(request) }
        return .failure(BatchRejection(errors: validation.errors))
    }

    /// One pass over a parsed batch object; collects errors instead of stopping at the first.
    struct Validation {
        let object: [String: JSONValue]
        let settings: ValidationSettings
        var errors: [FieldError] = []

        init(object: [String: JSONValue], settings: ValidationSettings) {
            self.object = object
            self.settings = settings
        }

        mutating func fail(_ field: String, _ message: String) {
            errors.append(FieldError(field: field, message: message))
        }

        /// The request when every check passed; `nil` otherwise (the errors say why).
        mutating func run() -> BatchRequest? {
            checkKeys(Set(object.keys), known: BatchValidator.topLevelKeys, path: nil)
            let jobs = checkJobs()
            let folder = checkFolder()

            var options = JobOptions()
            let format = enumString("format", allowed: BatchValidator.videoFormats + BatchValidator.audioFormats)
            options.videoCodec = enumString("video_codec", allowed: BatchValidator.videoCodecs) ?? "copy"
            options.audioCodec = enumString("audio_codec", allowed: BatchValidator.audioCodecs) ?? "copy"
            options.audioBitrate = enumString("audio_bitrate", allowed: ["64k", "128k", "192k", "256k", "320k"])
            options.videoQuality = integer("video_quality", in: 0...51, rangeText: "from 0 to 51") ?? 23
            options.audioOnly = bool("audio_only") ?? false
            options.downloadSubtitles = bool("download_subtitles") ?? false
            options.downloadThumbnail = bool("download_thumbnail") ?? false
            options.qualityPreset = enumString(
                "quality_preset", allowed: ["highest", "high", "medium", "low", "lowest"])
            options.maxResolution = maxResolution() ?? "best"
            (options.clipStart, options.clipEnd) = clips()
            options.liveRecording = bool("live_recording") ?? false
            options.liveFromStart = bool("live_from_start") ?? false
            options.maxDuration = integer("max_duration", in: 1...Int.max, rangeText: "of at least 1 (seconds)")
            options.waitForVideo = bool("wait_for_video") ?? false
            options.format = format ?? (options.audioOnly ? "m4a" : "mp4")

            checkContradictions(explicitFormat: format, options: options)
            let idempotencyKey = checkIdempotencyKey()
            let apiKey = checkAPIKey()

            guard errors.isEmpty, let jobs else { return nil }
            var request = BatchRequest(
                jobs: jobs, options: options, folder: folder, idempotencyKey: idempotencyKey, apiKey: apiKey)
            request.hasAPIKeyMember = object["api_key"] != nil
            return request
        }
    }

    // MARK: - Vocabulary

    static let videoFormats = ["mp4", "mkv", "webm", "mov"]
    static let audioFormats = ["m4a", "mp3", "ogg", "opus"]
    static let videoCodecs = ["copy", "h264", "h265", "vp9"]
    static let audioCodecs = ["copy", "aac", "opus", "mp3"]
    static let resolutions = ["best", "2160", "1440", "1080", "720", "480", "360"]

    static let topLevelKeys = [
        "jobs", "folder", "format", "video_codec", "audio_codec", "audio_bitrate", "video_quality", "audio_only",
        "download_subtitles", "download_thumbnail", "quality_preset", "max_resolution", "clip_start", "clip_end",
        "live_recording", "live_from_start", "max_duration", "wait_for_video", "idempotency_key", "api_key",
    ]
    static let jobItemKeys = ["url", "filename"]
}
