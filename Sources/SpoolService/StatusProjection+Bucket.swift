import Foundation
import SpoolCore

extension StatusProjection {
    /// Bucket publishing (docs/publishing.md): the keys are object keys, the URLs presigned; `output_path`
    /// stays only while the local file is kept.
    static func bucket(_ upload: BucketUpload, into doc: inout JobStatusDocument.CompletedResult) {
        doc.s3Key = upload.key
        doc.s3Url = upload.url
        doc.subtitleKey = upload.subtitleKeys.first
        doc.subtitleKeys = upload.subtitleKeys
        doc.subtitleUrl = upload.subtitleURL
        doc.thumbnailKey = upload.thumbnailKey
        doc.thumbnailUrl = upload.thumbnailURL
        if !upload.keptLocal { doc.outputPath = nil }
        doc.uploadSpeedMbps = upload.speedMbps
        doc.uploadRetries = upload.retries
    }

    /// `purge/` deleted the outputs: nothing to point at any more (the hosted API's `DELETE /jobs/{id}/file`).
    static func purged(_ deletedAt: Int64, into doc: inout JobStatusDocument.CompletedResult) {
        doc.s3Key = nil
        doc.s3Url = nil
        doc.subtitleUrl = nil
        doc.thumbnailUrl = nil
        doc.outputPath = nil
        doc.fileDeletedAt = deletedAt
    }
}
