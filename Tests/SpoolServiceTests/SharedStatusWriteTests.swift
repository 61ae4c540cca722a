import Foundation
import SpoolCore
import SpoolFiles
import SpoolStore
import Synchronization
import Testing

@testable import SpoolService

/// Status files on a root that several nodes write (StatusWriter+Shared): under the shared lock a write
/// shows what the store holds when it writes, never the older record its caller had.
@Suite("Status files written by several nodes", .timeLimit(.minutes(1)))
struct SharedStatusWriteTests {
    @Test("with the shared lock, a stale record is not written: the job's file and its batch's show the store's view")
    func staleRecordNotWritten() async throws {
        try await withTempDirectory { root in
            let harness = try ServiceHarness(root: root)
            let ids = try harness.addBatch(count: 2)
            let stale = try harness.job(ids[0])  // Pending, as another node read it a moment ago
            var done = try #require(try await harness.store.startAttempt(id: ids[0], at: 1))
            try done.complete(result: JobResult(), at: 2)
            #expect(try await harness.store.saveJob(done))

            var writer = harness.status
            writer.sharedLock = try SharedFileLock(path: harness.paths.state + "/status.lock")
            await writer.write(job: stale)
            await writer.writeBatch(id: stale.batchId)
            let file = try #require(readJSON(harness.paths.jobStatus(ids[0])))
            #expect(file["status"] as? String == "Completed", "\(file)")
            let batch = try #require(readJSON(harness.paths.batchStatus(stale.batchId)))
            #expect((batch["counts"] as? [String: Any])?["Completed"] as? Int == 1, "\(batch)")

            // Without it (one node), the caller's record is what the file shows.
            await harness.status.write(job: stale)
            #expect(readJSON(harness.paths.jobStatus(ids[0]))?["status"] as? String == "Pending")
        }
    }

    @Test("the shared lock excludes a second holder (another open of the file, as another node) until released")
    func lockExcludes() async throws {
        try await withTempDirectory { root in
            let first = try SharedFileLock(path: root + "/status.lock")
            let second = try SharedFileLock(path: root + "/status.lock")
            #expect(await first.lock())
            let taken = Mutex(false)
            let waiter = Task {
                let locked = await second.lock()
                taken.withLock { $0 = true }
                return locked
            }
            try await Task.sleep(for: .milliseconds(100))
            #expect(!taken.withLock { $0 }, "the second holder took the lock while the first held it")
            #expect(!FlockProbe.isFree(root + "/status.lock"))
            first.unlock()
            #expect(await waiter.value)
            second.unlock()
            #expect(FlockProbe.isFree(root + "/status.lock"))
        }
    }
}

/// Whether a third open of the file could lock it now (and releases it at once).
private enum FlockProbe {
    static func isFree(_ path: String) -> Bool {
        let fd = open(path, O_RDWR)
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        flock(fd, LOCK_UN)
        return true
    }
}

private func readJSON(_ path: String) -> [String: Any]? {
    (try? Data(contentsOf: URL(fileURLWithPath: path))).flatMap {
        try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
    }
}
