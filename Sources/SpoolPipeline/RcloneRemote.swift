import Foundation
import SpoolCore

/// rclone's arguments and environment for the bucket (docs/publishing.md, tool-behaviour §rclone).
///
/// rclone is configured only through `RCLONE_CONFIG_SPOOLS3_*` variables and flags: `--config=` (empty)
/// means no config file is read or written. Credentials are never among them: `env_auth` makes rclone
/// take `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` or `AWS_SHARED_CREDENTIALS_FILE` +
/// `AWS_PROFILE` from the environment spool itself was given, so no secret passes through spool's code.
package struct RcloneRemote: Sendable, Equatable {
    /// The remote's name in `RCLONE_CONFIG_<NAME>_*` and in `spools3:bucket/key` paths.
    package static let name = "spools3"

    package var endpoint: String?
    package var region: String
    package var pathStyle: Bool
    /// Files larger than this go up in parts (`--s3-upload-cutoff`).
    package var uploadCutoffBytes: Int

    package init(endpoint: String?, region: String, pathStyle: Bool, uploadCutoffBytes: Int) {
        self.endpoint = endpoint
        self.region = region
        self.pathStyle = pathStyle
        self.uploadCutoffBytes = uploadCutoffBytes
    }

    package init(_ configuration: SpoolConfiguration) {
        self.init(
            endpoint: configuration.s3Endpoint, region: configuration.s3Region,
            pathStyle: configuration.s3PathStyleInForce, uploadCutoffBytes: configuration.s3UploadCutoffBytes)
    }

    /// The variables that define the remote; added to the inherited environment.
    package var environment: [String: String] {
        let prefix = "RCLONE_CONFIG_\(Self.name.uppercased())_"
        var env = [
            prefix + "TYPE": "s3",
            prefix + "PROVIDER": endpoint == nil ? "AWS" : "Other",
            prefix + "ENV_AUTH": "true",
            prefix + "REGION": region,
            prefix + "FORCE_PATH_STYLE": pathStyle ? "true" : "false",
            // Never create a bucket: a missing one is the operator's mistake to report.
            prefix + "NO_CHECK_BUCKET": "true",
        ]
        if let endpoint { env[prefix + "ENDPOINT"] = endpoint }
        return env
    }

    /// Flags every rclone call gets: no config file, JSON log lines on stderr, one try per call
    /// (spool counts and spaces the retries itself, with `retries` and `retry_base_delay_s`).
    package static let commonArguments = [
        "--config=", "--use-json-log", "--retries", "1", "--low-level-retries", "1", "--contimeout", "10s",
        "--timeout", "30s",
    ]

    /// `spools3:bucket/key`.
    package func path(bucket: String, key: String) -> String { "\(Self.name):\(bucket)/\(key)" }

    /// Uploads `local` to `key`, never replacing an object already there (`--ignore-existing`; the
    /// verification afterwards tells a skipped upload from a real one). rclone sends Content-MD5 with
    /// every part and compares size and MD5 after the upload.
    package func uploadArguments(local: String, bucket: String, key: String) -> [String] {
        ["copyto"] + Self.commonArguments + [
            "-v", "--stats", "0.5s", "--stats-log-level", "NOTICE", "--ignore-existing",
            "--s3-upload-cutoff", "\(uploadCutoffBytes)B", "--", local, path(bucket: bucket, key: key),
        ]
    }

    /// The object's size and MD5 (rclone's `lsjson --stat`), or of a local file when `key` is nil.
    package func statArguments(local: String) -> [String] {
        ["lsjson"] + Self.commonArguments + ["--stat", "--hash", "--hash-type", "md5", "--", local]
    }

    package func statArguments(bucket: String, key: String) -> [String] {
        ["lsjson"] + Self.commonArguments + [
            "--stat", "--hash", "--hash-type", "md5", "--", path(bucket: bucket, key: key),
        ]
    }

    /// The names of the objects directly under `directory` (a key prefix ending in `/`, or empty).
    package func listArguments(bucket: String, directory: String) -> [String] {
        ["lsf"] + Self.commonArguments + ["--files-only", "--", path(bucket: bucket, key: directory)]
    }

    /// A presigned GET URL for `key`, valid for `expirySeconds`.
    package func linkArguments(bucket: String, key: String, expirySeconds: Int) -> [String] {
        ["link"] + Self.commonArguments + ["--expire", "\(expirySeconds)s", "--", path(bucket: bucket, key: key)]
    }

    /// Deletes one object.
    package func deleteArguments(bucket: String, key: String) -> [String] {
        ["deletefile"] + Self.commonArguments + ["--", path(bucket: bucket, key: key)]
    }

    /// Aborts every unfinished multipart upload under `key` (after a cancelled upload).
    package func abortUploadsArguments(bucket: String, key: String) -> [String] {
        ["backend", "cleanup"] + Self.commonArguments + ["-o", "max-age=0s", "--", path(bucket: bucket, key: key)]
    }
}
