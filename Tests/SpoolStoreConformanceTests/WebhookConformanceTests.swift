import SpoolCore
import SpoolStore
import Testing

/// The service-side methods for webhook deliveries and `purge/`, against both engines.
@Suite("Store conformance: webhooks and purge", .timeLimit(.minutes(3)))
struct WebhookConformanceTests {
    @Test(
        "webhooks: the first delivery of a job stays, pending ones come with their jobs, saves land",
        arguments: Engine.tested)
    func webhooks(engine: Engine) async throws {
        try await engine.withStore { store in
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 3)
            _ = try await store.insertBatches([(batch, jobs)])
            let first = WebhookRecord(jobId: jobs[0].id, url: "https://example.com/hook?é=1", progress: true)
            try await store.insertWebhookDelivery(first)
            try await store.insertWebhookDelivery(
                WebhookRecord(jobId: jobs[0].id, url: "https://other.example/ignored", progress: false))
            #expect(try await store.fetchWebhook(jobID: jobs[0].id) == first)
            #expect(try await store.fetchWebhook(jobID: jobs[1].id) == nil)

            let second = WebhookRecord(jobId: jobs[1].id, url: "https://example.com/second", progress: false)
            try await store.insertWebhookDelivery(second)
            let running = try #require(try await store.startAttempt(id: jobs[1].id, at: 1_500))
            let pending = try await store.fetchPendingWebhooks().sorted { $0.0.jobId < $1.0.jobId }
            let expected = [(first, jobs[0]), (second, running)].sorted { $0.0.jobId < $1.0.jobId }
            #expect(pending.map(\.0) == expected.map(\.0))
            #expect(pending.map(\.1) == expected.map(\.1))
            #expect(try await store.fetchWebhookStates() == [jobs[0].id: "pending", jobs[1].id: "pending"])

            var delivered = first
            delivered.state = .delivered
            delivered.attempts = 2
            delivered.nextAttemptAt = 5_000
            delivered.lastProgressAt = 4_000
            delivered.lastError = "HTTP 503 at the first attempt"
            try await store.saveWebhookDelivery(delivered)
            #expect(try await store.fetchWebhook(jobID: jobs[0].id) == delivered)
            var failed = second
            failed.state = .failed
            failed.attempts = 5
            failed.lastError = "gave up after 5 attempts"
            try await store.saveWebhookDelivery(failed)
            #expect(try await store.fetchWebhook(jobID: jobs[1].id) == failed)
            #expect(try await store.fetchPendingWebhooks().isEmpty)
            #expect(try await store.fetchWebhookStates() == [jobs[0].id: "delivered", jobs[1].id: "failed"])

            // Saving a delivery never recorded, or recording one for an unknown job, is an error; nothing lands.
            await #expect(throws: (any Error).self) {
                try await store.saveWebhookDelivery(
                    WebhookRecord(jobId: jobs[2].id, url: "https://example.com/never", progress: false))
            }
            await #expect(throws: (any Error).self) {
                try await store.insertWebhookDelivery(
                    WebhookRecord(jobId: "no-such-job", url: "https://example.com/x", progress: false))
            }
            #expect(try await store.fetchWebhook(jobID: jobs[2].id) == nil)
            #expect(try await store.fetchWebhookStates().count == 2)
        }
    }

    @Test(
        "purge: only a Completed job takes the change; anything else answers false and changes nothing",
        arguments: Engine.tested)
    func purge(engine: Engine) async throws {
        try await engine.withStore { store in
            let batch = makeBatch()
            let jobs = makeJobs(batchID: batch.id, count: 3)
            _ = try await store.insertBatches([(batch, jobs)])
            var completed = try #require(try await store.startAttempt(id: jobs[1].id, at: 1_100))
            completed.state = JobState(status: .completed, step: .finished)
            completed.finishedAt = 1_900
            var result = JobResult()
            result.s3Key = "f/g/video 1.mp4"
            completed.result = result
            #expect(try await store.saveJob(completed))
            var failed = try #require(try await store.startAttempt(id: jobs[2].id, at: 1_100))
            failed.state = JobState(status: .failed, step: .finished)
            failed.error = "HTTP Error 404"
            #expect(try await store.saveJob(failed))

            var purged = completed
            purged.result?.fileDeletedAt = 2_500
            #expect(try await store.savePurgedJob(purged))
            #expect(try await store.fetchJob(id: completed.id) == purged)

            // Stored Pending or Failed: refused, even when the record given says Completed.
            for stored in [jobs[0], failed] {
                var claimed = stored
                claimed.state = JobState(status: .completed, step: .finished)
                claimed.result = purged.result
                #expect(try await store.savePurgedJob(claimed) == false)
                #expect(try await store.fetchJob(id: stored.id) == stored)
            }
            // Stored Completed but given as something else: refused.
            var demoted = purged
            demoted.state = JobState(status: .failed, step: .finished)
            #expect(try await store.savePurgedJob(demoted) == false)
            #expect(try await store.fetchJob(id: completed.id) == purged)
            var ghost = purged
            ghost.id = "not-in-the-store"
            #expect(try await store.savePurgedJob(ghost) == false)
        }
    }
}
