import Foundation

/// Where outputs are published besides `out/`: `publish_to`, `s3://bucket[/prefix]` (docs/publishing.md).
///
/// The object key of an output is `<prefix>/<key under out/>`, with no leading slash; the names are the
/// same sanitised names `out/` uses.
package struct PublishTarget: Sendable, Equatable {
    package var bucket: String
    /// Without leading or trailing slashes; empty for the bucket's top.
    package var prefix: String

    package init(bucket: String, prefix: String = "") {
        self.bucket = bucket
        self.prefix = prefix
    }

    /// Parses `s3://bucket[/prefix]`, or says what is wrong with it in a sentence naming the key.
    package static func parse(_ text: String) -> Result<PublishTarget, ConfigurationError> {
        func problem(_ rule: String) -> Result<PublishTarget, ConfigurationError> {
            .failure(ConfigurationError(message: "publish_to \(rule)", key: "publish_to"))
        }
        guard text.hasPrefix("s3://") else {
            return problem("must be null or s3://bucket[/prefix], not \"\(text)\"")
        }
        let rest = text.dropFirst(5)
        let bucket = String(rest.prefix { $0 != "/" })
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
        guard (3...63).contains(bucket.count), bucket.allSatisfy({ allowed.contains($0) }),
            bucket.first != "-", bucket.first != ".", bucket.last != "-", bucket.last != "."
        else {
            return problem(
                "names an invalid bucket \"\(bucket)\": use 3 to 63 lower-case letters, digits, dots and hyphens")
        }
        let segments = rest.dropFirst(bucket.count).split(separator: "/").map(String.init)
        if segments.contains(where: { $0 == "." || $0 == ".." }) {
            return problem("must not contain . or .. in its prefix")
        }
        return .success(PublishTarget(bucket: bucket, prefix: segments.joined(separator: "/")))
    }

    /// The object key for `localKey` (an output's key under `out/`, e.g. `pub/run1/a.mp4`).
    package func objectKey(_ localKey: String) -> String {
        prefix.isEmpty ? localKey : prefix + "/" + localKey
    }

    /// The folder's "directory" in the bucket (with a trailing slash when not the top).
    package func objectDirectory(folder: String?) -> String {
        let parts = [prefix, folder ?? ""].filter { !$0.isEmpty }
        return parts.isEmpty ? "" : parts.joined(separator: "/") + "/"
    }

    /// `s3://bucket/prefix`, as the operator wrote it (no credentials are ever part of it).
    package var description: String { prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)" }
}
