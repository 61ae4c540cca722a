/// What publishing does when an output name is already taken (`name_conflict`).
package enum NameConflict: String, Codable, Sendable, CaseIterable {
    /// Publish as `name (2).mp4`, `name (3).mp4`, …
    case suffix
    /// Replace the existing file.
    case overwrite
    /// Fail the job and leave the existing file.
    case fail
}
