import Foundation
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolPipeline
@testable import SpoolService

@Suite("RoundRobin")
struct RoundRobinTests {
    @Test("next cycles through the batches after the last one")
    func next() {
        let order = ["a", "b", "c"]
        #expect(RoundRobin.next(after: nil, in: order) == "a")
        #expect(RoundRobin.next(after: "a", in: order) == "b")
        #expect(RoundRobin.next(after: "c", in: order) == "a")
        #expect(RoundRobin.next(after: "gone", in: order) == "a")
        #expect(RoundRobin.next(after: "a", in: ["a"]) == "a")
        #expect(RoundRobin.next(after: "a", in: []) == nil)
    }

    @Test("backoff doubles per retry and scales by the jitter")
    func backoff() {
        #expect(RoundRobin.backoff(base: 2, retry: 1, jitter: 1) == 2)
        #expect(RoundRobin.backoff(base: 2, retry: 2, jitter: 1) == 4)
        #expect(RoundRobin.backoff(base: 2, retry: 3, jitter: 0.5) == 4)
        #expect(RoundRobin.backoff(base: 2, retry: 0, jitter: 1) == 2)
        for _ in 0..<50 {
            let d = RoundRobin.backoff(base: 1, retry: 3)
            #expect(d >= 2 && d <= 4)
        }
    }
}
