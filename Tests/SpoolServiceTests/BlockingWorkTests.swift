import Foundation
import Synchronization
import Testing

@testable import SpoolService

/// Blocking work run off the cooperative pool.
@Suite("BlockingWork")
struct BlockingWorkTests {
    struct Boom: Error {}

    final class Arrivals: Sendable {
        let count = Atomic<Int>(0)
    }

    @Test("more blocked bodies than the pool has threads all run at once; each value or error comes back")
    func offThePool() async throws {
        let width = ProcessInfo.processInfo.activeProcessorCount + 2
        let arrivals = Arrivals()
        // Each body blocks its thread until every body has started: on the cooperative pool (one thread per
        // core) the last ones could never start.
        let met = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<width {
                group.addTask {
                    await BlockingWork.run("spool.test") {
                        arrivals.count.add(1, ordering: .sequentiallyConsistent)
                        let deadline = Date().addingTimeInterval(10)
                        while arrivals.count.load(ordering: .sequentiallyConsistent) < width && Date() < deadline {
                            usleep(1000)
                        }
                        return arrivals.count.load(ordering: .sequentiallyConsistent) == width
                    }
                }
            }
            return try await group.reduce(true) { $0 && $1 }
        }
        #expect(met)
        await #expect(throws: Boom.self) {
            try await BlockingWork.run("spool.test") { () throws -> Void in throw Boom() }
        }
    }
}
