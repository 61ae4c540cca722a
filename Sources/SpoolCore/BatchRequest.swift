import Foundation

/// One URL of a batch, as validated.
package struct JobItem: Sendable, Equatable {
    package var url: String
    /// The sanitised output name without extension; `nil` means "use the video's title".
    package var filename: String?

    package init(url: String, filename: String?) {
        self.url = url
        self.filename = filename
    }
}

/// A batch file that passed validation (folder-contract §3): what the store persists.
package struct BatchRequest: Sendable, Equatable {
    package var jobs: [JobItem]
    package var options: JobOptions
    /// The sanitised `folder` prefix (segments joined by `/`), or `nil` for the root of `out/`.
    package var folder: String?
    package var idempotencyKey: String?
    /// Present only so the caller can check it against configured keys; never persisted.
    package var apiKey: String?
    /// Whether the document has a top-level `api_key` member at all (`null` included): only then does the
    /// archive copy need `BatchFile.removingAPIKey`, whose parse and re-serialisation cost a drop 0.3 ms.
    package var hasAPIKeyMember = false

    package init(
        jobs: [JobItem], options: JobOptions, folder: String?, idempotencyKey: String?, apiKey: String?
    ) {
        self.jobs = jobs
        self.options = options
        self.folder = folder
        self.idempotencyKey = idempotencyKey
        self.apiKey = apiKey
    }
}

/// One problem in a batch file: the field path (`jobs[3].url`, `clip_end`) and a plain message.
package struct FieldError: Codable, Sendable, Equatable, CustomStringConvertible {
    package var field: String
    package var message: String

    package init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    package var description: String { "\(field): \(message)" }
}
