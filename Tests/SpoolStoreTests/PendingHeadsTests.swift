import Foundation
import SpoolCore
import Testing

@testable import SpoolStore

@Suite("Store: pending heads by kind")
struct PendingHeadsTests {
    @Test("live: true gives only live recordings' heads, false only the others, nil both")
    func byKind() throws {
        let store = try makeMemoryStore()
        let normal = makeBatch(createdAt: 1_000)
        let live = makeBatch(createdAt: 2_000)
        let normalJobs = makeJobs(batchID: normal.id, count: 3, createdAt: 1_000)
        let liveJobs = makeJobs(batchID: live.id, count: 2, createdAt: 2_000, options: JobOptions(liveRecording: true))
        _ = try store.createBatch(normal, jobs: normalJobs)
        _ = try store.createBatch(live, jobs: liveJobs)

        #expect(try store.pendingHeads().map(\.id) == [normalJobs[0].id, liveJobs[0].id])
        #expect(try store.pendingHeads(live: true).map(\.id) == [liveJobs[0].id])
        #expect(try store.pendingHeads(live: false).map(\.id) == [normalJobs[0].id])
        #expect(try store.pendingHeads(excluding: [liveJobs[0].id], live: true).map(\.id) == [liveJobs[1].id])
    }
}
