import Foundation

/// The service's configuration: a JSON file (`--config`) decoded strictly, then CLI flags on top.
///
/// Every key has a default, so `{}` is a valid configuration. Unknown keys are an error, for the
/// same reason as in batch files: a typo must not be silently ignored.
package struct SpoolConfiguration: Codable, Sendable, Equatable {
    /// The root directory; the CLI's `--root` and `SPOOL_ROOT` take precedence.
    package var root: String?
    /// Where the inbox, the outputs and the database live when not under the root.
    package var inbox: String?
    package var out: String?
    package var state: String?
    /// How often the inbox is listed, for writes inotify cannot see (NFS, SMB).
    package var rescanIntervalSeconds: Double = 5
    /// Watch the inbox by listing it only (no inotify); automatic on NFS/SMB.
    package var scanOnly: Bool = false
    /// How long an unparseable inbox file must stay unchanged before it is taken (and rejected).
    package var incompleteGraceSeconds: Double = 10
    package var maxBatchBytes: Int = 1_048_576
    /// Downloads at once.
    package var downloads: Int = 3
    /// Encodes at once; 0 means the number of cores.
    package var encodes: Int = 0
    /// Retries of a technical failure, with exponential backoff and jitter.
    package var retries: Int = 3
    package var retryBaseDelaySeconds: Double = 2
    package var allowPrivateNetwork: Bool = false
    package var apiKeys: [String] = []
    /// `suffix` (default), `overwrite` or `fail` when an output name is taken.
    package var nameConflict: String = "suffix"
    package var ytDlpPath: String = "yt-dlp"
    package var ffmpegPath: String = "ffmpeg"
    package var ffprobePath: String = "ffprobe"
    /// yt-dlp's `--socket-timeout`, in seconds.
    package var socketTimeoutSeconds: Int = 10
    /// The longest `wait_for_video` waits for a scheduled stream.
    package var waitForVideoLimitSeconds: Double = 21_600
    /// Live recordings at once, in their own slots (they do not hold `downloads` slots).
    package var liveRecordings: Int = 2
    /// How long a live recording may receive no new media, reconnecting meanwhile, before it is taken as ended.
    package var liveReconnectGraceSeconds: Double = 30
    /// Narrows subtitle languages; `nil` means every language the source offers.
    package var subtitleLanguages: [String]?

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case root, inbox, out, state
        case rescanIntervalSeconds = "rescan_interval_s"
        case scanOnly = "scan_only"
        case incompleteGraceSeconds = "incomplete_grace_s"
        case maxBatchBytes = "max_batch_bytes"
        case downloads, encodes, retries
        case retryBaseDelaySeconds = "retry_base_delay_s"
        case allowPrivateNetwork = "allow_private_network"
        case apiKeys = "api_keys"
        case nameConflict = "name_conflict"
        case ytDlpPath = "yt_dlp_path"
        case ffmpegPath = "ffmpeg_path"
        case ffprobePath = "ffprobe_path"
        case socketTimeoutSeconds = "socket_timeout_s"
        case waitForVideoLimitSeconds = "wait_for_video_limit_s"
        case liveRecordings = "live_recordings"
        case liveReconnectGraceSeconds = "live_reconnect_grace_s"
        case subtitleLanguages = "subtitle_languages"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SpoolConfiguration.defaults
        root = try c.decodeIfPresent(String.self, forKey: .root)
        inbox = try c.decodeIfPresent(String.self, forKey: .inbox)
        out = try c.decodeIfPresent(String.self, forKey: .out)
        state = try c.decodeIfPresent(String.self, forKey: .state)
        rescanIntervalSeconds = try c.decodeIfPresent(Double.self, forKey: .rescanIntervalSeconds) ?? d.rescanIntervalSeconds
        scanOnly = try c.decodeIfPresent(Bool.self, forKey: .scanOnly) ?? d.scanOnly
        incompleteGraceSeconds =
            try c.decodeIfPresent(Double.self, forKey: .incompleteGraceSeconds) ?? d.incompleteGraceSeconds
        maxBatchBytes = try c.decodeIfPresent(Int.self, forKey: .maxBatchBytes) ?? d.maxBatchBytes
        downloads = try c.decodeIfPresent(Int.self, forKey: .downloads) ?? d.downloads
        encodes = try c.decodeIfPresent(Int.self, forKey: .encodes) ?? d.encodes
        retries = try c.decodeIfPresent(Int.self, forKey: .retries) ?? d.retries
        retryBaseDelaySeconds =
            try c.decodeIfPresent(Double.self, forKey: .retryBaseDelaySeconds) ?? d.retryBaseDelaySeconds
        allowPrivateNetwork = try c.decodeIfPresent(Bool.self, forKey: .allowPrivateNetwork) ?? d.allowPrivateNetwork
        apiKeys = try c.decodeIfPresent([String].self, forKey: .apiKeys) ?? d.apiKeys
        nameConflict = try c.decodeIfPresent(String.self, forKey: .nameConflict) ?? d.nameConflict
        ytDlpPath = try c.decodeIfPresent(String.self, forKey: .ytDlpPath) ?? d.ytDlpPath
        ffmpegPath = try c.decodeIfPresent(String.self, forKey: .ffmpegPath) ?? d.ffmpegPath
        ffprobePath = try c.decodeIfPresent(String.self, forKey: .ffprobePath) ?? d.ffprobePath
        socketTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .socketTimeoutSeconds) ?? d.socketTimeoutSeconds
        waitForVideoLimitSeconds =
            try c.decodeIfPresent(Double.self, forKey: .waitForVideoLimitSeconds) ?? d.waitForVideoLimitSeconds
        liveRecordings = try c.decodeIfPresent(Int.self, forKey: .liveRecordings) ?? d.liveRecordings
        liveReconnectGraceSeconds =
            try c.decodeIfPresent(Double.self, forKey: .liveReconnectGraceSeconds) ?? d.liveReconnectGraceSeconds
        subtitleLanguages = try c.decodeIfPresent([String].self, forKey: .subtitleLanguages)
    }

    package static let defaults = SpoolConfiguration()

    /// Decodes a configuration file, rejecting unknown keys and out-of-range values by name.
    package static func load(from data: Data) throws -> SpoolConfiguration {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConfigurationError(message: "the configuration must be a JSON object")
        }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        let unknown = object.keys.filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw ConfigurationError(
                message: "unknown configuration key(s): \(unknown.joined(separator: ", ")); known keys are "
                    + known.sorted().joined(separator: ", "))
        }
        let config = try JSONDecoder().decode(SpoolConfiguration.self, from: data)
        try config.check()
        return config
    }

    /// Range checks, each naming the key and what to do.
    package func check() throws {
        if rescanIntervalSeconds <= 0 {
            throw ConfigurationError(message: "rescan_interval_s must be greater than 0")
        }
        if downloads < 1 { throw ConfigurationError(message: "downloads must be at least 1") }
        if encodes < 0 { throw ConfigurationError(message: "encodes must be 0 (one per core) or more") }
        if liveRecordings < 1 { throw ConfigurationError(message: "live_recordings must be at least 1") }
        if liveReconnectGraceSeconds <= 0 {
            throw ConfigurationError(message: "live_reconnect_grace_s must be greater than 0")
        }
        if waitForVideoLimitSeconds < 0 {
            throw ConfigurationError(message: "wait_for_video_limit_s must be 0 or more")
        }
        if retries < 0 { throw ConfigurationError(message: "retries must be 0 or more") }
        if maxBatchBytes < 1 { throw ConfigurationError(message: "max_batch_bytes must be at least 1") }
        if !["suffix", "overwrite", "fail"].contains(nameConflict) {
            throw ConfigurationError(message: "name_conflict must be one of suffix, overwrite, fail")
        }
    }
}

/// A configuration file that cannot be used; the message names the key.
package struct ConfigurationError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
