import Synchronization

/// Why the service is stopping a running attempt. The scheduler marks a `cancel/` request before it
/// cancels the attempt's task; a cancellation without a mark is a shutdown.
package final class StopRequest: Sendable {
    package enum Kind: Sendable, Equatable {
        /// `cancel/<id>`: stop everything and discard what was recorded.
        case cancel
        /// Graceful shutdown: a live recording is finalised and kept (folder-contract §8).
        case shutdown
    }

    private let kind = Mutex<Kind?>(nil)

    package init() {}

    package func mark(_ kind: Kind) { self.kind.withLock { if $0 == nil { $0 = kind } } }
    package var marked: Kind? { kind.withLock { $0 } }
}
