import Foundation

/// Why a bucket operation failed, from rclone's error messages: whether trying again can help, and one
/// plain sentence for the status file that names the bucket and what to check (never the tool, never
/// a credential).
package struct BucketFailure: Error, Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// Credentials refused, access denied, no credentials: retrying cannot help.
        case refused
        /// The bucket does not exist.
        case missingBucket
        /// 5xx, throttling, timeouts, refused connections, a checksum mismatch: worth another try.
        case transient
    }

    package var kind: Kind
    package var message: String

    package var retryable: Bool { kind == .transient }

    /// Classifies rclone's error lines for an operation on `bucket`.
    package static func classify(_ errors: [String], bucket: String) -> BucketFailure {
        let text = errors.joined(separator: " ")
        let refused = [
            "SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied", "StatusCode: 403", "Forbidden",
            "InvalidToken", "ExpiredToken",
        ]
        let noCredentials = ["get credentials", "NoCredentialProviders", "static credentials are empty"]
        if noCredentials.contains(where: text.contains) {
            return BucketFailure(
                kind: .refused,
                message:
                    "No credentials for the bucket \(bucket): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_SHARED_CREDENTIALS_FILE and AWS_PROFILE) in spool's environment."
            )
        }
        if refused.contains(where: text.contains) {
            return BucketFailure(
                kind: .refused,
                message:
                    "The bucket \(bucket) refused spool's credentials or access: check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and the bucket's permissions, then retry the job."
            )
        }
        if text.contains("NoSuchBucket") {
            return BucketFailure(
                kind: .missingBucket,
                message: "The bucket \(bucket) does not exist: create it or correct publish_to, then retry the job.")
        }
        return transient(bucket: bucket)
    }

    /// A failure worth retrying (server error, network, mismatch).
    package static func transient(bucket: String) -> BucketFailure {
        BucketFailure(
            kind: .transient,
            message:
                "The upload to the bucket \(bucket) kept failing (server or network errors): check that the storage endpoint is reachable, then retry the job."
        )
    }
}
