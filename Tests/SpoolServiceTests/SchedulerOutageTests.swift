import Foundation
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolService

/// A cluster node's claims while the database is down: reported to the node's one outage record (shared
/// with ingest), so the node logs one line per outage, not one from each of its parts.
@Suite("Scheduler: claim failures and the node's outage record", .timeLimit(.minutes(1)))
struct SchedulerOutageTests {
    @Test("with an outage record, failing claims mark it down and the scheduler logs no line of its own")
    func claimFailureReportsOutage() async throws {
        let fake = FakeExecutor { spec, _ in Outcomes.completed(spec) }
        let outage = IngestOutage(retryInterval: .seconds(1))
        var leased: FakeLeasedStore?
        try await withSeamHarness(
            fake,
            seam: {
                leased = FakeLeasedStore($0)
                return leased!
            }, outage: outage
        ) { h, logs in
            let store = try #require(leased)
            store.state.withLock { $0.down = true }
            _ = try h.addBatch(count: 1)
            try await h.running {
                #expect(await eventually { store.state.withLock { $0.claims } >= 3 })
            }
            #expect(outage.isDown)
            let lines = logs.entries.filter { $0.message.hasPrefix("database unreachable") }
            #expect(lines.count == 1, "\(lines.map(\.message))")
            #expect(lines.first?.message.hasPrefix("database unreachable: inbox files stay") == true)
        }
    }
}
