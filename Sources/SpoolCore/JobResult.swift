import Foundation

/// What a finished job produced: the `Completed` fields of the job status (folder-contract §5).
package struct JobResult: Codable, Sendable, Equatable {
    package var s3Key: String?
    package var outputPath: String?
    package var subtitleKeys: [String] = []
    package var thumbnailKey: String?
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
    /// Set when `publish_to` names a bucket and the outputs were uploaded there (docs/publishing.md).
    package var upload: BucketUpload?
    /// When `purge/` deleted the job's outputs, in ms since the epoch.
    package var fileDeletedAt: Int64?

    package init() {}
}

/// Live progress of a running job (folder-contract §5 `progress`).
package struct JobProgress: Codable, Sendable, Equatable {
    package var percent: Double?
    package var downloadedBytes: Int64?
    package var totalBytes: Int64?
    package var speedBps: Double?
    package var etaSeconds: Double?
    /// A live recording: seconds recorded so far, and the `max_duration` cap (folder-contract §5).
    package var recordedSeconds: Double?
    package var maxDurationSeconds: Double?

    package init(
        percent: Double? = nil, downloadedBytes: Int64? = nil, totalBytes: Int64? = nil, speedBps: Double? = nil,
        etaSeconds: Double? = nil
    ) {
        self.percent = percent
        self.downloadedBytes = downloadedBytes
        self.totalBytes = totalBytes
        self.speedBps = speedBps
        self.etaSeconds = etaSeconds
    }
}
