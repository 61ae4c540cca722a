import Foundation

/// Runs blocking work (start-up recovery's file I/O, GRDB's synchronous reads, dispatch waits) on a thread
/// of its own, so the awaiting task never holds one of the cooperative pool's few threads meanwhile.
package enum BlockingWork {
    /// Runs `body` on a new thread (`name` is the thread's name) and resumes the caller with its result.
    package static func run<T: Sendable>(
        _ name: String, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = name
            thread.start()
        }
    }

    /// `run` for work that cannot throw.
    package static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.start()
        }
    }
}
