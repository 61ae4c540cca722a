import Foundation

/// The service's configuration values; `ConfigLoader` layers them from the file, the environment and flags.
///
/// Every key has a default, so `{}` is a valid configuration. Reading and showing values is the
/// loader's and `EffectiveConfiguration`'s, one path for every source.
package struct SpoolConfiguration: Sendable, Equatable {
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
    /// What publishing does when an output name is taken.
    package var nameConflict: NameConflict = .suffix
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
    /// Bucket publishing (docs/publishing.md): `s3://bucket[/prefix]`, or nil for `out/` only.
    package var publishTo: String?
    package var s3Endpoint: String?
    package var s3Region: String = "us-east-1"
    /// nil: path-style when `s3Endpoint` is set.
    package var s3PathStyle: Bool?
    package var keepLocal: Bool = true
    package var s3URLExpirySeconds: Int = 86_400
    package var s3UploadCutoffBytes: Int = 209_715_200
    /// Run yt-dlp through the fork server; nil: when `ytDlpPath` is a Python entry point.
    package var ytDlpForkServer: Bool?
    /// Where the HTTP API listens (`HOST:PORT`); `nil`: no listener.
    package var httpListen: String?
    /// Signs webhooks (`X-Spool-Signature`); `nil`: unsigned. A secret: never logged or shown.
    package var webhookSecret: String?
    /// The store: `sqlite` (`<state>/spool.sqlite`) or a PostgreSQL URL, which may hold a password:
    /// never logged or shown unmasked (the executable masks it with the PostgreSQL engine's parser).
    package var database: String = "sqlite"
    /// This node's name in a cluster; `nil`: the host name (`nodeNameInForce`).
    package var nodeName: String?
    /// A node's scratch directory; `nil`: `<root>/work`.
    package var work: String?
    /// How long a node's claim on a job lasts without a heartbeat, in seconds.
    package var leaseSeconds: Int = 30

    package init() {}

    /// Every value at its default (what `{}` gives).
    package static let defaults = SpoolConfiguration()

    /// The keys, by their names in the file.
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
        case publishTo = "publish_to"
        case s3Endpoint = "s3_endpoint"
        case s3Region = "s3_region"
        case s3PathStyle = "s3_path_style"
        case keepLocal = "keep_local"
        case s3URLExpirySeconds = "s3_url_expiry_s"
        case s3UploadCutoffBytes = "s3_upload_cutoff_bytes"
        case ytDlpForkServer = "ytdlp_fork_server"
        case httpListen = "http_listen"
        case webhookSecret = "webhook_secret"
        case database
        case nodeName = "node_name"
        case work
        case leaseSeconds = "lease_s"
    }

    /// Range checks, each naming the key and what to do; the first that fails is thrown.
    package func check() throws {
        func problem(_ key: CodingKeys, _ rule: String) -> ConfigurationError {
            ConfigurationError(message: "\(key.rawValue) \(rule)", key: key.rawValue)
        }
        if rescanIntervalSeconds <= 0 { throw problem(.rescanIntervalSeconds, "must be greater than 0") }
        if downloads < 1 { throw problem(.downloads, "must be at least 1") }
        if encodes < 0 { throw problem(.encodes, "must be 0 (one per core) or more") }
        if liveRecordings < 1 { throw problem(.liveRecordings, "must be at least 1") }
        if liveReconnectGraceSeconds <= 0 { throw problem(.liveReconnectGraceSeconds, "must be greater than 0") }
        if waitForVideoLimitSeconds < 0 { throw problem(.waitForVideoLimitSeconds, "must be 0 or more") }
        if retries < 0 { throw problem(.retries, "must be 0 or more") }
        if maxBatchBytes < 1 { throw problem(.maxBatchBytes, "must be at least 1") }
        if let publishTo, case .failure(let error) = PublishTarget.parse(publishTo) { throw error }
        if let s3Endpoint, URL(string: s3Endpoint)?.host == nil || !s3Endpoint.lowercased().hasPrefix("http") {
            throw problem(.s3Endpoint, "must be an http:// or https:// URL, not \"\(s3Endpoint)\"")
        }
        if !(1...604_800).contains(s3URLExpirySeconds) {
            throw problem(.s3URLExpirySeconds, "must be between 1 and 604800 (7 days, the S3 limit)")
        }
        if s3UploadCutoffBytes < 1 { throw problem(.s3UploadCutoffBytes, "must be at least 1") }
        if let httpListen, HTTPListenAddress(httpListen) == nil {
            throw problem(.httpListen, "must be HOST:PORT, e.g. 127.0.0.1:8080 (port 0 picks a free one)")
        }
        try checkCluster()
    }
}

// MARK: - Durations

extension SpoolConfiguration {
    /// `rescan_interval_s` as a duration.
    package var rescanInterval: Duration { .millisecondsTruncating(rescanIntervalSeconds) }
    /// `incomplete_grace_s` as a duration.
    package var incompleteGrace: Duration { .millisecondsTruncating(incompleteGraceSeconds) }
    /// `retry_base_delay_s` as a duration.
    package var retryBaseDelay: Duration { .millisecondsTruncating(retryBaseDelaySeconds) }
    /// `socket_timeout_s` as a duration.
    package var socketTimeout: Duration { .seconds(socketTimeoutSeconds) }
    /// `wait_for_video_limit_s` as a duration.
    package var waitForVideoLimit: Duration { .millisecondsTruncating(waitForVideoLimitSeconds) }
    /// `live_reconnect_grace_s` as a duration.
    package var liveReconnectGrace: Duration { .millisecondsTruncating(liveReconnectGraceSeconds) }
}

extension Duration {
    /// Whole milliseconds of `seconds`, as the daemon has always converted them (`Int(s * 1000)`);
    /// a limit too large for that (`wait_for_video_limit_s` may be huge) is capped instead of trapping.
    static func millisecondsTruncating(_ seconds: Double) -> Duration {
        let milliseconds = seconds * 1000
        return milliseconds < Double(Int.max) ? .milliseconds(Int(milliseconds)) : .milliseconds(Int.max)
    }
}

extension SpoolConfiguration {
    /// `publish_to` parsed; nil when outputs stay in `out/` only (`check` has rejected a bad value).
    package var publishTarget: PublishTarget? {
        publishTo.flatMap { try? PublishTarget.parse($0).get() }
    }

    /// `s3_path_style` in force: the operator's choice, else path-style exactly when an endpoint is set.
    package var s3PathStyleInForce: Bool { s3PathStyle ?? (s3Endpoint != nil) }
}
