import Foundation

/// A batch file that was renamed out of the inbox into the claim directory.
package struct ClaimedFile: Sendable, Equatable {
    /// Full path in the claim directory ("<claimDirectory>/<token>--<name>").
    package var path: String
    /// The name it had in the inbox.
    package var originalName: String
    /// Its bytes; empty for `.tooLarge`.
    package var data: Data
    /// Its size in bytes when it was claimed.
    package var size: Int

    package init(path: String, originalName: String, data: Data, size: Int) {
        self.path = path
        self.originalName = originalName
        self.data = data
        self.size = size
    }
}
