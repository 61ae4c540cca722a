import Foundation
import Logging
import SpoolCore

extension BucketUploader {
    /// The uploader `configuration` asks for, or nil when `publish_to` is not set (outputs stay in `out/`).
    package static func make(_ configuration: SpoolConfiguration, logger: Logger) -> BucketUploader? {
        guard let target = configuration.publishTarget else { return nil }
        return BucketUploader(
            target: target, remote: RcloneRemote(configuration), rclone: defaultProgram, runner: ToolRunner(),
            retry: RetryPolicy(maxRetries: configuration.retries, baseDelay: configuration.retryBaseDelaySeconds),
            urlExpirySeconds: configuration.s3URLExpirySeconds, keepLocal: configuration.keepLocal, logger: logger)
    }

    /// `spool doctor`: credentials accepted, the bucket there, a test object written, read back and deleted.
    /// Throws `BucketFailure` with the plain sentence; a missing rclone is reported as such.
    package func check() async throws {
        let key = target.objectDirectory(folder: nil) + ".spool-doctor-\(UUID().uuidString.lowercased())"
        let local = FileManager.default.temporaryDirectory.appendingPathComponent("spool-doctor-\(UUID().uuidString)")
        try Data("spool doctor test object\n".utf8).write(to: local)
        defer { try? FileManager.default.removeItem(at: local) }
        var retries = retry.maxRetries  // doctor reports at once, it does not wait out retries
        _ = try await withRetries(&retries) { try await list(directory: target.objectDirectory(folder: nil)) }
        try await transfer(local.path, key: key, jobID: "doctor") { _ in }
        let object = try await stat(key: key)
        let file = try await stat(local: local.path)
        try await delete(keys: [key])
        guard object.matches(file) else { throw BucketFailure.transient(bucket: target.bucket) }
    }
}
