import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SpoolCore
import Testing

@testable import SpoolHTTP

@Suite("HTTP create: POST /jobs/bulk and POST /jobs")
struct HTTPCreateTests {
    @Test("a bulk body becomes a batch exactly as a dropped file: archive, jobs, batches; no receipt left")
    func bulkCreates() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            try await client.execute(uri: "/jobs/bulk", method: .post, headers: jsonHeaders, body: body(twoJobs)) {
                response in
                #expect(response.status == .created)
                let answer = try json(response)
                let batchID = try #require(answer["batch_id"] as? String)
                let jobIDs = try #require(answer["job_ids"] as? [String])
                #expect(answer["total_jobs"] as? Int == 2)
                #expect(jobIDs.count == 2)
                #expect(fixture.file("archive/\(batchID).json") == Data(twoJobs.utf8))
                #expect(fixture.file("batches/\(batchID).json") != nil)
                for id in jobIDs { #expect(fixture.file("jobs/\(id).json") != nil) }
                let receipts = try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/receipts")
                #expect(receipts.isEmpty, "\(receipts)")
                let inbox = try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/inbox")
                #expect(inbox.filter { $0 != ".claimed" }.isEmpty, "\(inbox)")
            }
        }
    }

    @Test("a bad body is 400 with the same fields and messages as the batch file's rejection")
    func bulkRejects() async throws {
        let bad = #"{"audio_onyl": true, "video_quality": 99, "jobs": [{"url": "ftp://x"}]}"#
        guard case .failure(let rejection) = BatchValidator.validate(Data(bad.utf8)) else {
            Issue.record("the validator accepted \(bad)")
            return
        }
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            try await client.execute(uri: "/jobs/bulk", method: .post, headers: jsonHeaders, body: body(bad)) {
                response in
                #expect(response.status == .badRequest)
                let answer = try json(response)
                let errors = try #require(answer["errors"] as? [[String: String]])
                #expect(errors.map { $0["field"] } == rejection.errors.map(\.field))
                #expect(errors.map { $0["message"] } == rejection.errors.map(\.message))
                #expect(answer["error"] as? String == rejection.summary)
                #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/rejected").isEmpty)
            }
        }
    }

    @Test("x-idempotency-key: the same key answers with the same batch, cached, and creates nothing")
    func idempotent() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            var headers = jsonHeaders
            headers[HTTPField.Name("x-idempotency-key")!] = "nightly-1"
            let first = try await client.execute(
                uri: "/jobs/bulk", method: .post, headers: headers, body: body(twoJobs))
            #expect(first.status == .created)
            let second = try await client.execute(
                uri: "/jobs/bulk", method: .post, headers: headers, body: body(twoJobs))
            #expect(second.status == .ok)
            let (a, b) = (try json(first), try json(second))
            #expect(a["batch_id"] as? String == b["batch_id"] as? String)
            #expect(a["job_ids"] as? [String] == b["job_ids"] as? [String])
            #expect(b["cached"] as? Bool == true)
            #expect(try fixture.parts.sqlite.allJobs().count == 2)
        }
    }

    @Test("POST /jobs with x-idempotency-key: the second request answers with the first job, cached")
    func singleIdempotent() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            var headers = jsonHeaders
            headers[HTTPField.Name("x-idempotency-key")!] = "one-talk"
            let job = #"{"url": "http://127.0.0.1:9/talk.mp4"}"#
            let first = try await client.execute(uri: "/jobs", method: .post, headers: headers, body: body(job))
            let second = try await client.execute(uri: "/jobs", method: .post, headers: headers, body: body(job))
            #expect(first.status == .created)
            #expect(second.status == .ok)
            #expect(try json(first)["job_id"] as? String == json(second)["job_id"] as? String)
            #expect(try json(second)["cached"] as? Bool == true)
            #expect(try fixture.parts.sqlite.allJobs().count == 1)
        }
    }

    @Test("POST /jobs: one job, fields named as the body has them")
    func single() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            let created = try await client.execute(
                uri: "/jobs", method: .post, headers: jsonHeaders,
                body: body(#"{"url": "http://127.0.0.1:9/a.mp4", "filename": "talk", "format": "mkv"}"#))
            #expect(created.status == .created)
            let id = try #require(try json(created)["job_id"] as? String)
            let job = try #require(try fixture.parts.sqlite.job(id: id))
            #expect(job.filename == "talk")
            #expect(job.options.format == "mkv")
            let bad = try await client.execute(
                uri: "/jobs", method: .post, headers: jsonHeaders, body: body(#"{"url": "nope", "fromat": "mp4"}"#))
            #expect(bad.status == .badRequest)
            let fields = try #require(try json(bad)["errors"] as? [[String: String]]).compactMap { $0["field"] }
            #expect(Set(fields) == ["url", "fromat"], "\(fields)")
        }
    }
}
