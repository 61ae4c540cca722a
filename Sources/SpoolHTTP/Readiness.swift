import Synchronization

/// Whether `GET /healthz` answers 200: set once the listener is up (the store and inbox are up before any
/// extra service starts), cleared when a graceful shutdown begins.
final class Readiness: Sendable {
    private let state = Mutex(false)

    init(ready: Bool = false) { state.withLock { $0 = ready } }

    var isReady: Bool { state.withLock { $0 } }

    func set(_ ready: Bool) { state.withLock { $0 = ready } }
}
