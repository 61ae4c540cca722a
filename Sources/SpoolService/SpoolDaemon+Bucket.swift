import Foundation
import SpoolCore
import SpoolPipeline

extension SpoolDaemon {
    /// The bucket uploader when `publish_to` is set (docs/publishing.md); nil keeps outputs in `out/` only.
    func makeUploader() -> BucketUploader? {
        guard let target = configuration.publishTarget else { return nil }
        return BucketUploader(
            target: target, remote: RcloneRemote(configuration), rclone: BucketUploader.defaultProgram,
            runner: ToolRunner(),
            retry: RetryPolicy(maxRetries: configuration.retries, baseDelay: configuration.retryBaseDelaySeconds),
            urlExpirySeconds: configuration.s3URLExpirySeconds, keepLocal: configuration.keepLocal, logger: logger)
    }
}
