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

/// `AtomicFile.writeIfAbsent` and the first files of a new batch on a shared root.
@Suite("Status files of a new batch on a shared root", .timeLimit(.minutes(1)))
struct SharedCreatedFilesTests {
    @Test("a new batch's first files never replace the newer ones another node wrote; missing ones are created")
    func createdFilesKeepNewer() async throws {
        try await withTempDirectory { root in
            let harness = try ServiceHarness(root: root)
            let ids = try harness.addBatch(count: 2)
            let jobs = [try harness.job(ids[0]), try harness.job(ids[1])]
            let batch = try #require(try harness.store.batch(id: jobs[0].batchId))
            // Another node wrote job 0's file and the batch's first (newer views).
            try Data("newer job".utf8).write(to: URL(fileURLWithPath: harness.paths.jobStatus(ids[0])))
            try Data("newer batch".utf8).write(to: URL(fileURLWithPath: harness.paths.batchStatus(batch.id)))
            var writer = harness.status
            writer.sharedLock = try SharedFileLock(path: harness.paths.state + "/status.lock")
            writer.writeCreated(batch, jobs: jobs)
            #expect(readText(harness.paths.jobStatus(ids[0])) == "newer job")
            #expect(readText(harness.paths.batchStatus(batch.id)) == "newer batch")
            #expect(readJSON(harness.paths.jobStatus(ids[1]))?["status"] as? String == "Pending")
            // One node: the batch's first files are written as they are.
            harness.status.writeCreated(batch, jobs: jobs)
            #expect(readJSON(harness.paths.batchStatus(batch.id))?["batch_id"] as? String == batch.id)
        }
    }

    @Test("writeIfAbsent: true and the bytes when the name is free, false and nothing changed when it exists")
    func writeIfAbsent() async throws {
        try await withTempDirectory { root in
            let path = root + "/a.json"
            let first = try AtomicFile.writeIfAbsent(Data("one".utf8), to: path)
            let second = try AtomicFile.writeIfAbsent(Data("two".utf8), to: path)
            #expect(first && !second)
            #expect(readText(path) == "one")
            #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["a.json"], "a temp file was left")
        }
    }
}
