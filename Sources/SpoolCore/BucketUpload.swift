import Foundation

/// What the upload step put in the bucket for one job (docs/publishing.md): the object keys, the
/// presigned URLs written into the status file, and how the transfer went. Stored inside `JobResult`.
package struct BucketUpload: Codable, Sendable, Equatable {
    package var bucket: String
    /// The main output's object key (`s3_key` in the status file).
    package var key: String
    package var subtitleKeys: [String]
    package var thumbnailKey: String?
    /// Presigned GET URLs, valid for `s3_url_expiry_s` from the upload.
    package var url: String?
    package var subtitleURL: String?
    package var thumbnailURL: String?
    package var bytes: Int64
    package var durationMs: Int64
    package var speedMbps: Double?
    /// Transfers that failed with a retryable error and were tried again.
    package var retries: Int
    /// Whether the verified files were kept under `out/` (`keep_local`).
    package var keptLocal: Bool

    package init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
        self.subtitleKeys = []
        self.bytes = 0
        self.durationMs = 0
        self.retries = 0
        self.keptLocal = true
    }

    /// Every object key of the job, the main output first.
    package var allKeys: [String] { [key] + subtitleKeys + (thumbnailKey.map { [$0] } ?? []) }
}
