import Foundation
import Hummingbird
import HummingbirdTesting
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolHTTP

@Suite("HTTP control: cancel, retry, delete file")
struct HTTPControlTests {
    @Test("DELETE /jobs/{id} cancels a queued job; a finished job is 400; unknown 404")
    func cancel() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            let id = try await HTTPReadTests.post(1, client)[0]
            let response = try await client.execute(uri: "/jobs/\(id)", method: .delete)
            #expect(response.status == .ok)
            let answer = try json(response)
            #expect(answer["message"] as? String == "Job cancelled successfully")
            #expect(answer["job_id"] as? String == id)
            #expect(try fixture.parts.sqlite.job(id: id)?.status == .failed)
            #expect(try fixture.parts.sqlite.job(id: id)?.step == .cancelled)
            let again = try await client.execute(uri: "/jobs/\(id)", method: .delete)
            #expect(again.status == .badRequest)
            #expect((try json(again)["error"] as? String)?.hasPrefix("Job cannot be cancelled") == true)
            let answer1 = try await client.execute(uri: "/jobs/\(SpoolID.make())", method: .delete)
            #expect(answer1.status == .notFound)
        }
    }

    @Test("POST /jobs/{id}/retry: a Pending job is 400; a Failed one gets a new job in its batch")
    func retry() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            let id = try await HTTPReadTests.post(1, client)[0]
            let early = try await client.execute(uri: "/jobs/\(id)/retry", method: .post)
            #expect(early.status == .badRequest)
            _ = try await client.execute(uri: "/jobs/\(id)", method: .delete)
            let response = try await client.execute(uri: "/jobs/\(id)/retry", method: .post)
            #expect(response.status == .created)
            let answer = try json(response)
            let fresh = try #require(answer["job_id"] as? String)
            #expect(answer["original_job_id"] as? String == id)
            #expect(answer["message"] is String)
            let job = try #require(try fixture.parts.sqlite.job(id: fresh))
            #expect(job.status == .pending)
            #expect(job.originalJobId == id)
            #expect(fixture.file("jobs/\(fresh).json") != nil)
            let answer2 = try await client.execute(uri: "/jobs/\(SpoolID.make())/retry", method: .post)
            #expect(answer2.status == .notFound)
        }
    }

    @Test("DELETE /jobs/{id}/file deletes a Completed job's outputs once; otherwise 400 Job has no file to delete")
    func deleteFile() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            let id = try await HTTPReadTests.post(1, client)[0]
            let early = try await client.execute(uri: "/jobs/\(id)/file", method: .delete)
            #expect(early.status == .badRequest)
            #expect(try json(early)["error"] as? String == "Job has no file to delete")

            var job = try #require(try fixture.parts.sqlite.job(id: id))
            job.status = .completed
            job.step = .finished
            var result = JobResult()
            result.s3Key = "shows/talk.mp4"
            job.result = result
            _ = try fixture.parts.sqlite.save(job)
            try FileManager.default.createDirectory(
                atPath: fixture.root + "/out/shows", withIntermediateDirectories: true)
            try Data("media".utf8).write(to: URL(fileURLWithPath: fixture.root + "/out/shows/talk.mp4"))

            let response = try await client.execute(uri: "/jobs/\(id)/file", method: .delete)
            #expect(response.status == .ok)
            let answer = try json(response)
            #expect(answer["message"] as? String == "File deleted successfully")
            #expect(answer["deleted_key"] as? String == "shows/talk.mp4")
            #expect(answer["job_id"] as? String == id)
            #expect(!FileManager.default.fileExists(atPath: fixture.root + "/out/shows/talk.mp4"))
            let again = try await client.execute(uri: "/jobs/\(id)/file", method: .delete)
            #expect(again.status == .badRequest)
        }
    }
}
