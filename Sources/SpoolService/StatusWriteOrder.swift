/// Status files written in the order their writes were asked for: a ticket is taken when a write is asked
/// for, and the file is written when every earlier ticket is done.
///
/// Why: with the async store a status write reads (the job's webhook state, the batch's jobs) between the
/// caller's save and the file's write. Two writes of one file (a progress report and the attempt's end, two
/// jobs of one batch ending together) could then land in the other order, leaving a stale file until the
/// next start. The synchronous store read and wrote inside one turn of the scheduler's actor, which kept
/// that order; the tickets keep it now. Reads still run in parallel; only the file writes wait.
final class StatusWriteOrder: Sendable {
    private struct State {
        var next: UInt64 = 0
        /// The ticket whose file may be written now.
        var current: UInt64 = 0
        var waiting: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = LockedBox(State())

    init() {}

    /// A place in the order; must be passed to `turn` and then `done` exactly once.
    func ticket() -> UInt64 {
        state.withLock { state in
            defer { state.next += 1 }
            return state.next
        }
    }

    /// Waits until every earlier ticket is done.
    func turn(_ ticket: UInt64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.current == ticket { return true }
                state.waiting[ticket] = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// The ticket's write is done (or abandoned): the next one may write.
    func done(_ ticket: UInt64) {
        let next = state.withLock { state in
            state.current = ticket + 1
            return state.waiting.removeValue(forKey: ticket + 1)
        }
        next?.resume()
    }
}
