/// The configuration in force: the service's values, the command line's own, and where each came from.
package struct EffectiveConfiguration: Sendable, Equatable {
    package var configuration = SpoolConfiguration()
    /// `api_keys_file`: a file with more API keys, read by serve at start-up.
    package var apiKeysFile: String?
    /// `metrics_interval_s`: seconds between rewrites of `metrics.prom`; 0 turns metrics off.
    package var metricsInterval: Double = 5
    /// `log_level`: the lowest level logged on stderr.
    package var logLevel: LogLevel = .info
    /// Key → the layer that set it; a key that is absent has its default.
    package var origins: [String: ConfigOrigin] = [:]

    package init() {}

    /// Stores a value already typed for `key` (`ConfigKey.typed`).
    ///
    /// - Returns: false when the value is not one of the key's choices (`name_conflict`, `log_level`);
    ///   the loader reports those after the range checks.
    mutating func set(_ key: String, to value: ConfigValue) -> Bool {
        var c = configuration
        defer { configuration = c }
        switch key {
        case "root": c.root = value.string
        case "inbox": c.inbox = value.string
        case "out": c.out = value.string
        case "state": c.state = value.string
        case "rescan_interval_s": c.rescanIntervalSeconds = value.number ?? c.rescanIntervalSeconds
        case "scan_only": c.scanOnly = value.bool ?? c.scanOnly
        case "incomplete_grace_s": c.incompleteGraceSeconds = value.number ?? c.incompleteGraceSeconds
        case "max_batch_bytes": c.maxBatchBytes = value.integer ?? c.maxBatchBytes
        case "downloads": c.downloads = value.integer ?? c.downloads
        case "encodes": c.encodes = value.integer ?? c.encodes
        case "retries": c.retries = value.integer ?? c.retries
        case "retry_base_delay_s": c.retryBaseDelaySeconds = value.number ?? c.retryBaseDelaySeconds
        case "allow_private_network": c.allowPrivateNetwork = value.bool ?? c.allowPrivateNetwork
        case "api_keys": c.apiKeys = value.strings ?? c.apiKeys
        case "api_keys_file": apiKeysFile = value.string
        case "name_conflict":
            guard let choice = value.string.flatMap(NameConflict.init(rawValue:)) else { return false }
            c.nameConflict = choice
        case "yt_dlp_path": c.ytDlpPath = value.string ?? c.ytDlpPath
        case "ffmpeg_path": c.ffmpegPath = value.string ?? c.ffmpegPath
        case "ffprobe_path": c.ffprobePath = value.string ?? c.ffprobePath
        case "socket_timeout_s": c.socketTimeoutSeconds = value.integer ?? c.socketTimeoutSeconds
        case "wait_for_video_limit_s": c.waitForVideoLimitSeconds = value.number ?? c.waitForVideoLimitSeconds
        case "live_recordings": c.liveRecordings = value.integer ?? c.liveRecordings
        case "live_reconnect_grace_s": c.liveReconnectGraceSeconds = value.number ?? c.liveReconnectGraceSeconds
        case "subtitle_languages": c.subtitleLanguages = value.strings
        case "metrics_interval_s": metricsInterval = value.number ?? metricsInterval
        case "publish_to": c.publishTo = value.string
        case "s3_endpoint": c.s3Endpoint = value.string
        case "s3_region": c.s3Region = value.string ?? c.s3Region
        case "s3_path_style": c.s3PathStyle = value.bool
        case "keep_local": c.keepLocal = value.bool ?? c.keepLocal
        case "s3_url_expiry_s": c.s3URLExpirySeconds = value.integer ?? c.s3URLExpirySeconds
        case "s3_upload_cutoff_bytes": c.s3UploadCutoffBytes = value.integer ?? c.s3UploadCutoffBytes
        case "log_level":
            guard let level = value.string.flatMap(LogLevel.init(rawValue:)) else { return false }
            logLevel = level
        case "ytdlp_fork_server": c.ytDlpForkServer = value.bool
        case "http_listen": c.httpListen = value.string
        case "webhook_secret": c.webhookSecret = value.string
        case "database": c.database = value.string ?? c.database
        case "node_name": c.nodeName = value.string
        case "work": c.work = value.string
        case "lease_s": c.leaseSeconds = value.integer ?? c.leaseSeconds
        default: break
        }
        return true
    }
}

extension EffectiveConfiguration {
    /// The value in force for `key`, as a layer would give it (`set` reads it back unchanged).
    package func value(of key: String) -> ConfigValue {
        let c = configuration
        func text(_ s: String?) -> ConfigValue { s.map(ConfigValue.string) ?? .null }
        switch key {
        case "root": return text(c.root)
        case "inbox": return text(c.inbox)
        case "out": return text(c.out)
        case "state": return text(c.state)
        case "rescan_interval_s": return .number(c.rescanIntervalSeconds)
        case "scan_only": return .bool(c.scanOnly)
        case "incomplete_grace_s": return .number(c.incompleteGraceSeconds)
        case "max_batch_bytes": return .integer(c.maxBatchBytes)
        case "downloads": return .integer(c.downloads)
        case "encodes": return .integer(c.encodes)
        case "retries": return .integer(c.retries)
        case "retry_base_delay_s": return .number(c.retryBaseDelaySeconds)
        case "allow_private_network": return .bool(c.allowPrivateNetwork)
        case "api_keys": return .strings(c.apiKeys)
        case "api_keys_file": return text(apiKeysFile)
        case "name_conflict": return .string(c.nameConflict.rawValue)
        case "yt_dlp_path": return .string(c.ytDlpPath)
        case "ffmpeg_path": return .string(c.ffmpegPath)
        case "ffprobe_path": return .string(c.ffprobePath)
        case "socket_timeout_s": return .integer(c.socketTimeoutSeconds)
        case "wait_for_video_limit_s": return .number(c.waitForVideoLimitSeconds)
        case "live_recordings": return .integer(c.liveRecordings)
        case "live_reconnect_grace_s": return .number(c.liveReconnectGraceSeconds)
        case "subtitle_languages": return c.subtitleLanguages.map(ConfigValue.strings) ?? .null
        case "metrics_interval_s": return .number(metricsInterval)
        case "log_level": return .string(logLevel.rawValue)
        case "publish_to": return text(c.publishTo)
        case "s3_endpoint": return text(c.s3Endpoint)
        case "s3_region": return .string(c.s3Region)
        case "s3_path_style": return c.s3PathStyle.map(ConfigValue.bool) ?? .null
        case "keep_local": return .bool(c.keepLocal)
        case "s3_url_expiry_s": return .integer(c.s3URLExpirySeconds)
        case "s3_upload_cutoff_bytes": return .integer(c.s3UploadCutoffBytes)
        case "ytdlp_fork_server": return c.ytDlpForkServer.map(ConfigValue.bool) ?? .null
        case "http_listen": return text(c.httpListen)
        case "webhook_secret": return text(c.webhookSecret)
        case "database": return .string(c.database)
        case "node_name": return text(c.nodeName)
        case "work": return text(c.work)
        case "lease_s": return .integer(c.leaseSeconds)
        default: return .null
        }
    }
}

extension ConfigValue {
    fileprivate var string: String? { if case .string(let s) = self { s } else { nil } }
    fileprivate var integer: Int? { if case .integer(let n) = self { n } else { nil } }
    fileprivate var number: Double? { if case .number(let d) = self { d } else { nil } }
    fileprivate var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    fileprivate var strings: [String]? { if case .strings(let list) = self { list } else { nil } }
}
