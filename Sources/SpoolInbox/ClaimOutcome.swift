/// What `InboxClaimer.claim` did with one inbox name.
package enum ClaimOutcome: Sendable, Equatable {
    /// Renamed into the claim directory and read.
    case claimed(ClaimedFile)
    /// Renamed into the claim directory, NOT read (data empty); size > maxBytes.
    case tooLarge(ClaimedFile)
    /// ENOENT: already taken (by another process or an earlier event).
    case gone
    /// Symlink, directory, FIFO, socket, device: left where it is, never read.
    case notRegular
}
