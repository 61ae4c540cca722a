import Foundation
import ServiceLifecycle
import ServiceLifecycleTestKit
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolService

/// Control files acted on through the running service (inotify and the rescan) and by a direct sweep.
@Suite("ControlFiles", .serialized, .timeLimit(.minutes(1)))
struct ControlFilesTests {
    /// Runs `control` around `body`, then shuts it down gracefully.
    func running(_ control: ControlFiles, _ body: () async throws -> Void) async throws {
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await control.run() }
                try await body()
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    func control(_ h: ServiceHarness, useInotify: Bool = true) -> ControlFiles {
        var control = ControlFiles(
            store: h.store, paths: h.paths, scheduler: h.scheduler, ingestor: h.ingestor, status: h.status,
            logger: quietLogger)
        // A long rescan: with inotify on, only an event can be acted on within the test's deadline.
        control.rescanInterval = .seconds(60)
        control.pollInterval = .milliseconds(50)
        control.useInotify = useInotify
        return control
    }

    @Test("a cancel file for a pending job cancels it and is consumed", arguments: [true, false])
    func cancelPending(useInotify: Bool) async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let id = try h.addBatch(count: 1)[0]
            try await running(control(h, useInotify: useInotify)) {
                try writeText(h.paths.cancel + "/" + id, "")
                #expect(await eventually { (try? h.store.job(id: id))?.step == .cancelled })
                #expect(await eventually { !FileManager.default.fileExists(atPath: h.paths.cancel + "/" + id) })
            }
            #expect(readText(h.paths.jobStatus(id))?.contains("Job cancelled by user") == true)
        }
    }

    @Test("a request present before start is acted on; an unknown ID gets an error receipt")
    func presentBeforeStartAndUnknown() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let id = try h.addBatch(count: 1)[0]
            try writeText(h.paths.cancel + "/" + id, "")
            try writeText(h.paths.retry + "/nosuchjob", "")
            try writeText(h.paths.cancel + "/.hidden", "")
            try await running(control(h)) {
                #expect(await eventually { (try? h.store.job(id: id))?.step == .cancelled })
                let receipt = h.paths.receipts + "/nosuchjob.json"
                #expect(await eventually { readText(receipt) != nil })
                #expect(readText(receipt)?.contains("retry/nosuchjob") == true)
            }
            // Dot-names are never requests.
            #expect(FileManager.default.fileExists(atPath: h.paths.cancel + "/.hidden"))
        }
    }

    @Test("a retry file for a failed job appends a fresh job to its batch")
    func retryFailed() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let id = try h.addBatch(count: 1)[0]
            var job = try h.job(id)
            job.status = .failed
            #expect(try h.store.save(job))
            let control = control(h)
            try writeText(h.paths.retry + "/" + id, "")
            await control.sweep()
            let jobs = try h.store.jobs(batchID: job.batchId)
            #expect(jobs.count == 2)
            #expect(jobs.contains { $0.originalJobId == id && $0.status == .pending })
            #expect(!FileManager.default.fileExists(atPath: h.paths.retry + "/" + id))
        }
    }
}
