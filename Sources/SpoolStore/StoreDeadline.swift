import Synchronization

/// A store call bounded in time. While PostgreSQL is down, postgres-nio's pool holds a request until it
/// gives up connecting (about a minute), and a request caught in a server's shutdown has been seen never to
/// return; a caller that must go on (the scheduler saying claims fail, a status write under the cluster's
/// shared lock) waits at most `seconds`. Written here because no library in the mirror races a call with a
/// deadline without waiting for the call (a task group waits for its children).
package enum StoreDeadline {
    /// Runs `body`, throwing `CancellationError` when it takes longer than `seconds`; a result that comes
    /// later goes to `late`. Not a task group: a group waits for its children, and a store call runs to its
    /// end in a task nothing cancels.
    @discardableResult
    package static func within<T: Sendable>(
        seconds: Double, _ body: @escaping @Sendable () async throws -> T,
        late: @escaping @Sendable (T) async -> Void = { _ in }
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let once = Once(continuation)
            let timer = once.expire(after: seconds)
            Task {
                // The timer is stopped once the call answers: a status write on every transition must not
                // leave a sleeping task behind for the whole limit.
                defer { timer.cancel() }
                do {
                    let value = try await body()
                    if !once.resume(with: .success(value)) { await late(value) }
                } catch {
                    once.resume(with: .failure(error))
                }
            }
        }
    }
}

extension StoreDeadline {
    /// Runs `body` in a task nothing cancels, so that it finishes even when its caller is cancelled (a stopping
    /// attempt records its end from its cancelled task); but a cancelled caller waits at most `grace` seconds
    /// more, then throws `CancellationError`, so that a call that never answers cannot keep a stopping service
    /// (and so the process) from ending. The call itself goes on to its end.
    package static func finishing<T: Sendable>(
        graceAfterCancel grace: Double, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let gate = CancelGate<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let once = Once(continuation)
                gate.arm(once, grace: grace)
                Task {
                    do {
                        once.resume(with: .success(try await body()))
                    } catch {
                        once.resume(with: .failure(error))
                    }
                }
            }
        } onCancel: {
            gate.cancel(grace: grace)
        }
    }
}

/// Starts the grace period of `finishing` once both the caller's cancellation and its continuation are there,
/// in whichever order they come.
private final class CancelGate<T: Sendable>: Sendable {
    private let state = Mutex<(once: Once<T>?, cancelled: Bool)>((nil, false))

    func arm(_ once: Once<T>, grace: Double) {
        let start = state.withLock { state in
            state.once = once
            return state.cancelled
        }
        if start { once.expire(after: grace) }
    }

    func cancel(grace: Double) {
        let once = state.withLock { state in
            state.cancelled = true
            return state.once
        }
        if let once { once.expire(after: grace) }
    }
}

/// A continuation resumed by whichever of two tasks comes first (a class: both tasks share it).
private final class Once<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, any Error>?>

    init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = Mutex(continuation) }

    /// False when the other task came first (nothing resumed).
    @discardableResult
    func resume(with result: Result<T, any Error>) -> Bool {
        guard
            let taken = continuation.withLock({ taken in
                defer { taken = nil }
                return taken
            })
        else { return false }
        taken.resume(with: result)
        return true
    }

    /// Throws `CancellationError` to the caller after `seconds`, unless it was answered first or the
    /// returned task is cancelled (a timer the deadlines and the grace share).
    @discardableResult
    func expire(after seconds: Double) -> Task<Void, Never> {
        Task {
            guard (try? await Task.sleep(for: .seconds(seconds))) != nil else { return }
            self.resume(with: .failure(CancellationError()))
        }
    }
}
