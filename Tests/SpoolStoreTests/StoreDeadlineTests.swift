import Foundation
import Synchronization
import Testing

@testable import SpoolStore

/// `StoreDeadline.within`: a store call that does not answer in time is given up (the caller goes on), and
/// its late answer goes to `late`; one that answers, or fails, in time is passed through.
@Suite("Store: calls with a deadline", .timeLimit(.minutes(1)))
struct StoreDeadlineTests {
    @Test("a call that never answers throws CancellationError at the deadline; the caller is not held")
    func neverAnswers() async throws {
        let started = ContinuousClock.now
        await #expect(throws: CancellationError.self) {
            try await StoreDeadline.within(seconds: 0.2) { () async throws -> Int in
                // Ignores cancellation, as a request stranded in a connection pool does.
                while true { try? await Task.sleep(for: .seconds(60)) }
            }
        }
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(200) && waited < .seconds(5), "waited \(waited)")
    }

    @Test("an answer after the deadline goes to late, not to the caller")
    func lateAnswer() async throws {
        let late = Mutex<Int?>(nil)
        await #expect(throws: CancellationError.self) {
            try await StoreDeadline.within(seconds: 0.1) {
                try await Task.sleep(for: .milliseconds(400))
                return 7
            } late: { value in
                late.withLock { $0 = value }
            }
        }
        #expect(late.withLock { $0 } == nil)
        try await Task.sleep(for: .seconds(1))
        #expect(late.withLock { $0 } == 7)
    }

    @Test("an answer or an error in time is the caller's")
    func inTime() async throws {
        #expect(try await StoreDeadline.within(seconds: 5) { 42 } == 42)
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await StoreDeadline.within(seconds: 5) { () async throws -> Int in throw Refused() }
        }
    }

    @Test("finishing: a cancelled caller still gets an answer that comes within the grace")
    func cancelledCallerGetsQuickAnswer() async throws {
        let caller = Task {
            try await StoreDeadline.finishing(graceAfterCancel: 5) {
                try? await Task.sleep(for: .milliseconds(300))  // not cancelled: the call runs to its end
                return 9
            }
        }
        caller.cancel()
        #expect(try await caller.value == 9)
    }

    @Test("finishing: a cancelled caller gives up a call that never answers after the grace; uncancelled, it waits")
    func cancelledCallerGivesUp() async throws {
        let answered = Mutex(false)
        let caller = Task {
            try await StoreDeadline.finishing(graceAfterCancel: 0.2) { () async throws -> Int in
                while true { try? await Task.sleep(for: .seconds(60)) }
            }
        }
        let uncancelled = Task {
            let value = try await StoreDeadline.finishing(graceAfterCancel: 0.2) {
                try await Task.sleep(for: .milliseconds(600))
                return 1
            }
            answered.withLock { $0 = true }
            return value
        }
        try await Task.sleep(for: .milliseconds(100))
        let cancelledAt = ContinuousClock.now
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        let waited = ContinuousClock.now - cancelledAt
        #expect(waited >= .milliseconds(200) && waited < .seconds(5), "waited \(waited)")
        #expect(try await uncancelled.value == 1)
        #expect(answered.withLock { $0 })
    }
}
