import Foundation

/// A counting semaphore for async code: at most `limit` holders at once, FIFO.
///
/// Used to cap concurrent encodes (CPU-bound) separately from downloads (network-bound).
/// A waiter whose task is cancelled still takes its turn and must release it; `withPermit`
/// handles that.
package actor AsyncGate {
    private let limit: Int
    private var holders = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    package init(limit: Int) { self.limit = max(1, limit) }

    package func acquire() async {
        if holders < limit {
            holders += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    package func release() {
        if waiters.isEmpty {
            holders -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }

    package func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async rethrows -> T {
        await acquire()
        do {
            let value = try await body()
            release()
            return value
        } catch {
            release()
            throw error
        }
    }
}
