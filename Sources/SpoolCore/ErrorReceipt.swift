import Foundation

/// `receipts/<name>.json` saying why a file was not acted on: a rejected batch file (folder-contract §4, with
/// its `errors`) or a control file that named nothing it could act on (no `errors`).
package struct ErrorReceipt: Codable, Sendable, Equatable {
    package var error: String
    /// The file: `<name>.json` from the inbox, or `cancel/<name>`, `retry/<name>`.
    package var source: String
    /// Each problem of a rejected batch file; absent for a control file.
    package var errors: [FieldError]?

    package init(error: String, source: String, errors: [FieldError]? = nil) {
        self.error = error
        self.source = source
        self.errors = errors
    }

    /// A rejected batch file's receipt.
    package init(rejection: BatchRejection, source: String) {
        self.init(error: rejection.summary, source: source, errors: rejection.errors)
    }
}
