import Foundation
import Hummingbird
import HummingbirdTesting
import SpoolCore
import Testing

@testable import SpoolHTTP

@Suite("HTTP reads: GET /jobs/{id}, GET /jobs, GET /batch/{id}")
struct HTTPReadTests {
    /// Posts `count` single jobs, oldest first; their IDs.
    static func post(_ count: Int, _ client: any TestClientProtocol) async throws -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            let response = try await client.execute(
                uri: "/jobs", method: .post, headers: jsonHeaders,
                body: body(#"{"url": "http://127.0.0.1:9/\#(index).mp4"}"#))
            ids.append(try #require(try json(response)["job_id"] as? String))
            try await Task.sleep(for: .milliseconds(2))  // distinct created_at milliseconds
        }
        return ids
    }

    @Test("GET /jobs/{id} is byte for byte jobs/<id>.json; unknown and malformed IDs are 404 Job not found")
    func jobBytes() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            let id = try await Self.post(1, client)[0]
            let response = try await client.execute(uri: "/jobs/\(id)", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(Data(bytesOf: response.body) == fixture.file("jobs/\(id).json"))
            #expect(try json(response)["node"] is NSNull)  // the file's `node`: a Pending job has none
            for missing in [SpoolID.make(), "not-an-id"] {
                let gone = try await client.execute(uri: "/jobs/\(missing)", method: .get)
                #expect(gone.status == .notFound)
                #expect(try json(gone)["error"] as? String == "Job not found")
            }
        }
    }

    @Test("GET /jobs: newest first, limit and offset, lowercase status filter, total ignores the filter")
    func list() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            let ids = try await Self.post(3, client)
            let page = try json(try await client.execute(uri: "/jobs?limit=2&offset=1", method: .get))
            let jobs = try #require(page["jobs"] as? [[String: Any]])
            #expect(jobs.compactMap { $0["id"] as? String } == [ids[1], ids[0]])
            #expect(page["total"] as? Int == 3)
            #expect(page["limit"] as? Int == 2)
            #expect(page["offset"] as? Int == 1)
            #expect(
                Set(jobs[0].keys)
                    == ["id", "url", "status", "s3_key", "error", "step", "created_at", "finished_at", "file_size"])
            #expect(jobs[0]["status"] as? String == "Pending")
            #expect(jobs[0]["s3_key"] is NSNull)

            let pending = try json(try await client.execute(uri: "/jobs?status=pending", method: .get))
            #expect((pending["jobs"] as? [Any])?.count == 3)
            let completed = try json(try await client.execute(uri: "/jobs?status=completed", method: .get))
            #expect((completed["jobs"] as? [Any])?.count == 0)
            #expect(completed["total"] as? Int == 3)
            let defaults = try json(try await client.execute(uri: "/jobs?limit=500", method: .get))
            #expect(defaults["limit"] as? Int == 100)
            let bad = try await client.execute(uri: "/jobs?limit=many", method: .get)
            #expect(bad.status == .badRequest)
            #expect((try json(bad)["errors"] as? [[String: String]])?.first?["field"] == "limit")
        }
    }

    @Test("GET /batch/{id} and /batches/{id}: the batch document plus the hosted API's names")
    func batch() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            let created = try json(
                try await client.execute(uri: "/jobs/bulk", method: .post, headers: jsonHeaders, body: body(twoJobs)))
            let batchID = try #require(created["batch_id"] as? String)
            for path in ["/batch/", "/batches/"] {
                let response = try await client.execute(uri: path + batchID, method: .get)
                #expect(response.status == .ok)
                let doc = try json(response)
                let bytes = try #require(fixture.file("batches/\(batchID).json"))
                let file = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
                for (key, value) in file {
                    #expect((doc[key] as? NSObject)?.isEqual(value) == true, "\(key): \(doc[key] ?? "absent")")
                }
                #expect(doc["id"] as? String == batchID)
                #expect(doc["total_episodes"] as? Int == 2)
                #expect(doc["completed_episodes"] as? Int == 0)
                #expect(doc["failed_episodes"] as? Int == 0)
                #expect(doc["episode_jobs"] as? [String] == created["job_ids"] as? [String])
                #expect(doc["status"] as? String == "processing")
            }
            let gone = try await client.execute(uri: "/batch/\(SpoolID.make())", method: .get)
            #expect(gone.status == .notFound)
        }
    }
}
