import Glibc

/// rename(2) as a value, so unit tests can play what NFS does to a claim: a rename that took place and
/// still reports ENOENT (the reply to a retransmitted RENAME), or a file another node took first.
package struct Renamer: Sendable {
    /// Renames `from` to `to`; returns 0, or the errno of the failure.
    package var rename: @Sendable (_ from: String, _ to: String) -> Int32

    package init(_ rename: @escaping @Sendable (_ from: String, _ to: String) -> Int32) {
        self.rename = rename
    }

    /// Glibc's rename(2).
    package static let system = Renamer { from, to in Glibc.rename(from, to) == 0 ? 0 : errno }
}
