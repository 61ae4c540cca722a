import Foundation
import SpoolCore
import SpoolPipeline

extension SpoolDaemon {
    /// The bucket uploader when `publish_to` is set (docs/publishing.md); nil keeps outputs in `out/` only.
    func makeUploader() -> BucketUploader? { BucketUploader.make(configuration, logger: logger) }
}
