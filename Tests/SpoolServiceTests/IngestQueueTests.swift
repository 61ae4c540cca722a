import Foundation
import Synchronization
import Testing

@testable import SpoolService

@Suite("IngestQueue")
struct IngestQueueTests {
    @Test("a name reported twice before it is taken is queued once; groups keep the order and the limit")
    func dedupeAndGroups() {
        let queue = IngestQueue()
        queue.submit("a.json")
        queue.submit("b.json")
        queue.submit("a.json")
        #expect(queue.take() == ["a.json", "b.json"])
        #expect(queue.take() == nil)
        queue.submit("a.json")  // taken already: a later report queues it again
        #expect(queue.take() == ["a.json"])

        let many = (0..<(IngestQueue.groupLimit + 7)).map { "n\($0).json" }
        for name in many { queue.submit(name) }
        #expect(queue.take() == Array(many.prefix(IngestQueue.groupLimit)))
        #expect(queue.take() == Array(many.suffix(7)))
    }

    @Test("run ingests what was submitted, in groups, and ends when its task is cancelled")
    func runs() async throws {
        let queue = IngestQueue()
        let seen = Mutex<[[String]]>([])
        let runner = Task { await queue.run { group in seen.withLock { $0.append(group) } } }
        for i in 0..<5 { queue.submit("f\(i).json") }
        let deadline = ContinuousClock.now + .seconds(10)
        while seen.withLock({ $0.flatMap { $0 } }).count < 5 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(seen.withLock { $0.flatMap { $0 } } == (0..<5).map { "f\($0).json" })
        runner.cancel()
        await runner.value
    }
}
