import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SpoolCore
import Testing

@testable import SpoolHTTP

@Suite("HTTP errors, auth and health")
struct HTTPErrorTests {
    @Test("with api_keys: no key and a wrong key are 401 Invalid API Key; the right key passes; /healthz needs none")
    func auth() async throws {
        let fixture = try HTTPFixture(apiKeys: ["sk_right", "sk_other"])
        try await fixture.test { client in
            for headers: HTTPFields in [[:], [HTTPField.Name("x-api-key")!: "sk_wrong"]] {
                let response = try await client.execute(uri: "/jobs", method: .get, headers: headers)
                #expect(response.status == .unauthorized)
                #expect(try json(response)["error"] as? String == "Invalid API Key")
            }
            let ok = try await client.execute(
                uri: "/jobs", method: .get, headers: [HTTPField.Name("x-api-key")!: "sk_other"])
            #expect(ok.status == .ok)
            var headers = jsonHeaders
            headers[HTTPField.Name("x-api-key")!] = "sk_right"
            let created = try await client.execute(
                uri: "/jobs/bulk", method: .post, headers: headers, body: body(twoJobs))
            #expect(created.status == .created, "the header key stands for the body's api_key")
            let answer1 = try await client.execute(uri: "/healthz", method: .get)
            #expect(answer1.status == .ok)
        }
    }

    @Test("without api_keys every endpoint is open")
    func open() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            let answer2 = try await client.execute(uri: "/jobs", method: .get)
            #expect(answer2.status == .ok)
            let answer3 = try await client.execute(uri: "/usage", method: .get)
            #expect(answer3.status == .ok)
        }
    }

    @Test("a body over max_batch_bytes is 413 with a JSON error naming the limit")
    func tooLarge() async throws {
        let fixture = try HTTPFixture(maxBatchBytes: 64)
        try await fixture.test { client in
            let response = try await client.execute(
                uri: "/jobs/bulk", method: .post, headers: jsonHeaders, body: body(twoJobs))
            #expect(response.status == .contentTooLarge)
            #expect((try json(response)["error"] as? String)?.contains("max_batch_bytes") == true)
        }
    }

    @Test("a body that is not declared JSON is 415; an unknown path 404; a known path with another method 405")
    func statuses() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            let form = try await client.execute(
                uri: "/jobs/bulk", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: body(twoJobs))
            #expect(form.status == .unsupportedMediaType)
            #expect(try json(form)["error"] is String)
            let missing = try await client.execute(uri: "/nothing/here", method: .get)
            #expect(missing.status == .notFound)
            #expect(try json(missing)["error"] is String)
            let wrong = try await client.execute(uri: "/jobs/bulk", method: .get)
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers[.allow] == "POST")
            #expect(try json(wrong)["error"] is String)
        }
    }

    @Test("/healthz is 503 until the listener is up, and /usage counts jobs")
    func healthAndUsage() async throws {
        let fixture = try HTTPFixture(ready: false)
        try await fixture.test { client in
            let answer4 = try await client.execute(uri: "/healthz", method: .get)
            #expect(answer4.status == .serviceUnavailable)
            fixture.readiness.set(true)
            let answer5 = try await client.execute(uri: "/healthz", method: .get)
            #expect(answer5.status == .ok)
            _ = try await HTTPReadTests.post(2, client)
            let usage = try json(try await client.execute(uri: "/usage", method: .get))
            #expect(usage["usage_count"] as? Int == 2)
            #expect((usage["jobs"] as? [String: Int])?["pending"] == 2)
            #expect((usage["disk_free_bytes"] as? Int ?? 0) > 0)
        }
    }
}

@Suite("HTTP metadata: the URL checks before any tool runs")
struct HTTPMetadataCheckTests {
    @Test("POST /metadata: a missing or bad url, an unknown field and a private address are 400 naming the field")
    func refused() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            for (text, field) in [
                (#"{}"#, "url"), (#"{"url": "ftp://example.com/a"}"#, "url"),
                (#"{"url": "https://example.com/a", "format": "mp4"}"#, "format"),
                (#"{"url": "http://127.0.0.1:9/a.mp4"}"#, "url"),
            ] {
                let response = try await client.execute(
                    uri: "/metadata", method: .post, headers: jsonHeaders, body: body(text))
                #expect(response.status == .badRequest, "\(text)")
                let fields = (try json(response)["errors"] as? [[String: String]])?.compactMap { $0["field"] }
                #expect(fields == [field], "\(text): \(fields ?? [])")
            }
        }
    }
}

@Suite("HTTP metrics")
struct HTTPMetricsTests {
    @Test("GET /metrics: the Prometheus text of metrics.prom; 404 JSON while there is none")
    func metrics() async throws {
        let fixture = try HTTPFixture()
        try await fixture.test { client in
            let none = try await client.execute(uri: "/metrics", method: .get)
            #expect(none.status == .notFound)
            #expect(try json(none)["error"] is String)
            let text = "# TYPE spool_jobs gauge\nspool_jobs{status=\"Pending\"} 0\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: fixture.root + "/metrics.prom"))
            let some = try await client.execute(uri: "/metrics", method: .get)
            #expect(some.status == .ok)
            #expect(some.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(Data(bytesOf: some.body) == Data(text.utf8))
        }
    }
}
