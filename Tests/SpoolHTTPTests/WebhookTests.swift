import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SpoolCore
import SpoolService
import SpoolStore
import Synchronization
import Testing

@testable import SpoolHTTP

/// A receiver stand-in: answers each POST with the next scripted status code (the last one repeats).
final class ScriptedSender: WebhookSending {
    struct Post {
        var url: String
        var body: Data
        var headers: [(String, String)]
    }
    let answers: [Int]
    let posts = Mutex<[Post]>([])

    init(answers: [Int]) { self.answers = answers }

    func post(url: String, body: Data, headers: [(String, String)]) async throws -> Int {
        let n = posts.withLock {
            $0.append(Post(url: url, body: body, headers: headers))
            return $0.count
        }
        return answers[min(n, answers.count) - 1]
    }
    func shutdown() async {}
    var count: Int { posts.withLock { $0.count } }
}

/// The fixture's parts with loopback webhook URLs allowed and `settings` applied.
func webhookParts(_ fixture: HTTPFixture, secret: String? = nil, baseDelay: Double = 0.01) -> DaemonParts {
    var parts = fixture.parts
    parts.configuration.allowPrivateNetwork = true
    parts.configuration.webhookSecret = secret
    parts.configuration.retryBaseDelaySeconds = baseDelay
    return parts
}

/// A job of a fresh batch, ended as `Completed` (or Failed with `error`), with a pending webhook row.
func endedJobWithWebhook(_ parts: DaemonParts, error: String? = nil) async throws -> JobRecord {
    let outcome = await parts.ingestor.ingest(body: Data(twoJobs.utf8), source: Ingestor.postedSourceName())
    guard case .accepted(_, let ids) = outcome else { throw WebhookTestError("not accepted: \(outcome)") }
    var job = try #require(try parts.sqlite.job(id: ids[0]))
    try job.transition(.start)
    if let error {
        try job.fail(.error, message: error, at: 1_700_000_000_000)
    } else {
        var result = JobResult()
        result.s3Key = "f/a.mp4"
        result.title = "A title"
        try job.complete(result: result, at: 1_700_000_000_000)
    }
    #expect(try parts.sqlite.save(job))
    try parts.sqlite.insertWebhook(WebhookRecord(jobId: job.id, url: "http://127.0.0.1:9/hook", progress: false))
    return job
}

/// `data` as a JSON object; throws when it is missing or something else.
func object(_ data: Data?) throws -> [String: Any] {
    guard let data, let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
        throw WebhookTestError("not a JSON object: \(data.map { String(decoding: $0, as: UTF8.self) } ?? "nil")")
    }
    return o
}

struct WebhookTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs the service until `done` holds (at most 60 s: a loaded machine running every suite at once), then stops it.
func runWebhooks(_ parts: DaemonParts, sender: ScriptedSender, until done: @escaping () throws -> Bool) async throws {
    let service = WebhookService(parts: parts, sender: sender, pollInterval: .milliseconds(10))
    let task = Task { try await service.run() }
    let deadline = ContinuousClock.now + .seconds(60)
    while try !done(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    task.cancel()
    try await task.value
}

@Suite("Webhooks: signature, backoff, payloads, delivery from the store")
struct WebhookTests {
    @Test("the signature is t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">, as Python's hmac computes it")
    func signature() {
        let header = WebhookSignature.header(
            body: Data(#"{"a":1}"#.utf8), secret: "whsec_test", unixSeconds: 1_700_000_000)
        // python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test", b"1700000000.{\"a\":1}", hashlib.sha256).hexdigest())'
        #expect(header == "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789")
    }

    @Test("backoff: at most 3 attempts, retry_base_delay_s then four times that (2 s and 8 s by default)")
    func backoff() {
        let standard = WebhookBackoff(baseDelaySeconds: 2)
        #expect([1, 2, 3].map(standard.delay(afterAttempt:)) == [2, 8, nil])
        #expect(WebhookBackoff(baseDelaySeconds: 0.5).delay(afterAttempt: 2) == 2)
    }

    @Test("idle: a pass over a store without pending rows says so (the next waits 10× longer); with one, not")
    func idlePass() async throws {
        let fixture = try HTTPFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.root) }
        let parts = webhookParts(fixture)
        let service = WebhookService(parts: parts, sender: ScriptedSender(answers: [200]))
        #expect(service.idleInterval == .seconds(5))
        let idle = await service.dueWork()
        #expect(idle.work.isEmpty && !idle.anyPending)
        _ = try await endedJobWithWebhook(parts)
        let due = await service.dueWork()
        #expect(due.work.count == 1 && due.anyPending)
    }

    @Test("payloads: job_completed and job_failed carry the hosted API's fields")
    func payloads() async throws {
        let fixture = try HTTPFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.root) }
        let parts = webhookParts(fixture)
        let done = try await endedJobWithWebhook(parts)
        let completed = try object(WebhookPayload.outcome(done))
        #expect(
            Set(completed.keys) == [
                "type", "job_id", "status", "url", "key", "folder", "title", "description", "release_date",
                "subtitle_key",
            ])
        #expect(completed["type"] as? String == "job_completed")
        #expect(completed["status"] as? String == "completed")
        #expect(completed["key"] as? String == "f/a.mp4")
        #expect(completed["title"] as? String == "A title")
        #expect(completed["folder"] as? String == "f")
        #expect(completed["description"] is NSNull)
        let failed = try await endedJobWithWebhook(parts, error: "The site refused the download")
        let failure = try object(WebhookPayload.outcome(failed))
        #expect(Set(failure.keys) == ["type", "job_id", "status", "url", "error"])
        #expect(failure["type"] as? String == "job_failed")
        #expect(failure["error"] as? String == "The site refused the download")
    }

    @Test("restart: a pending delivery left in the store is sent by the next process's service, signed")
    func pendingSentAfterRestart() async throws {
        let fixture = try HTTPFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.root) }
        let job = try await endedJobWithWebhook(webhookParts(fixture))
        // The next process: a new store on the same database file, a new status writer.
        var parts = webhookParts(fixture, secret: "s3cret")
        parts.store = try Store(path: parts.paths.database)
        parts.status = StatusWriter(store: parts.store, paths: parts.paths, logger: quietLogger)
        let sender = ScriptedSender(answers: [200])
        let store = parts.sqlite
        try await runWebhooks(parts, sender: sender) { try store.webhook(jobID: job.id)?.state == .delivered }
        #expect(sender.count == 1)
        let post = try #require(sender.posts.withLock { $0.first })
        #expect(post.url == "http://127.0.0.1:9/hook")
        let signature = try #require(post.headers.first { $0.0 == WebhookSignature.headerName }?.1)
        let t = try #require(signature.split(separator: ",").first?.dropFirst(2)).description
        #expect(
            signature
                == WebhookSignature.header(body: post.body, secret: "s3cret", unixSeconds: try #require(Int64(t))))
        #expect(try object(fixture.file("jobs/\(job.id).json"))["webhook_status"] as? String == "delivered")
        // A status file lost in a crash is restored with it.
        try FileManager.default.removeItem(atPath: parts.paths.jobStatus(job.id))
        _ = try await StatusRebuilder(status: parts.status, logger: quietLogger).restoreMissing()
        #expect(try object(fixture.file("jobs/\(job.id).json"))["webhook_status"] as? String == "delivered")
    }

    @Test("retries: two failures then success is delivered on attempt 3; three failures end as failed")
    func retries() async throws {
        let fixture = try HTTPFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.root) }
        let parts = webhookParts(fixture)
        let store = parts.sqlite
        let flaky = try await endedJobWithWebhook(parts)
        let sender = ScriptedSender(answers: [503, 500, 200])
        try await runWebhooks(parts, sender: sender) { try store.webhook(jobID: flaky.id)?.state == .delivered }
        #expect(sender.count == 3)
        #expect(try store.webhook(jobID: flaky.id)?.attempts == 3)

        let dead = try await endedJobWithWebhook(parts)
        let refusing = ScriptedSender(answers: [503])
        try await runWebhooks(parts, sender: refusing) { try store.webhook(jobID: dead.id)?.state == .failed }
        #expect(refusing.count == 3)
        #expect(try store.webhook(jobID: dead.id)?.state == .failed)
    }

    @Test("POST /jobs: webhook_url is stored pending; loopback refused by the SSRF rule; the flag must be a bool")
    func createWithWebhook() async throws {
        let fixture = try HTTPFixture()
        let hook = #"{"url": "http://127.0.0.1:9/a.mp4", "webhook_url": "http://127.0.0.1:9/hook"}"#
        try await fixture.test { client in
            try await client.execute(uri: "/jobs", method: .post, headers: jsonHeaders, body: body(hook)) { response in
                #expect(response.status == .badRequest)
                let errors = try json(response)["errors"] as? [[String: Any]]
                #expect(errors?.first?["field"] as? String == "webhook_url", "\(String(describing: errors))")
            }
            let flag =
                #"{"url": "http://127.0.0.1:9/a.mp4", "webhook_url": "http://127.0.0.1:9/h", "enable_progress_webhook": 1}"#
            try await client.execute(uri: "/jobs", method: .post, headers: jsonHeaders, body: body(flag)) { response in
                #expect(response.status == .badRequest)
                let errors = try json(response)["errors"] as? [[String: Any]]
                #expect(errors?.first?["field"] as? String == "enable_progress_webhook")
            }
        }
        let allowed = try HTTPFixture()
        defer { try? FileManager.default.removeItem(atPath: allowed.root) }
        let app = Application(
            router: SpoolAPI(parts: webhookParts(allowed), readiness: allowed.readiness).makeRouter(),
            logger: quietLogger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/jobs", method: .post, headers: jsonHeaders, body: body(hook)) { response in
                #expect(response.status == .created)
                let id = try #require(try json(response)["job_id"] as? String)
                let row = try #require(try allowed.parts.sqlite.webhook(jobID: id))
                #expect(row.url == "http://127.0.0.1:9/hook")
                #expect(row.state == .pending)
                #expect(try object(allowed.file("jobs/\(id).json"))["webhook_status"] as? String == "pending")
            }
        }
    }

    @Test("progress: a running job with enable_progress_webhook gets job_progress, at most one per 5 s")
    func progressEvents() async throws {
        let fixture = try HTTPFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.root) }
        let parts = webhookParts(fixture)
        let outcome = await parts.ingestor.ingest(body: Data(twoJobs.utf8), source: Ingestor.postedSourceName())
        guard case .accepted(_, let ids) = outcome else { throw WebhookTestError("not accepted: \(outcome)") }
        var job = try #require(try parts.sqlite.job(id: ids[0]))
        try job.transition(.start)
        #expect(try parts.sqlite.save(job))
        try parts.sqlite.insertWebhook(WebhookRecord(jobId: job.id, url: "http://127.0.0.1:9/p", progress: true))
        // The other job's webhook asks for no progress: it gets nothing while it runs.
        var quiet = try #require(try parts.sqlite.job(id: ids[1]))
        try quiet.transition(.start)
        #expect(try parts.sqlite.save(quiet))
        try parts.sqlite.insertWebhook(WebhookRecord(jobId: quiet.id, url: "http://127.0.0.1:9/q", progress: false))
        let sender = ScriptedSender(answers: [200])
        // Runs until the first event, then 1 s more: no second event within the 5 s.
        var first: ContinuousClock.Instant?
        try await runWebhooks(parts, sender: sender) {
            if first == nil, sender.count > 0 { first = .now }
            return first.map { ContinuousClock.now - $0 > .seconds(1) } ?? false
        }
        #expect(sender.count == 1)
        let post = try #require(sender.posts.withLock { $0.first })
        #expect(post.url == "http://127.0.0.1:9/p")
        let event = try object(post.body)
        #expect(event["type"] as? String == "job_progress")
        #expect(event["job_id"] as? String == job.id)
        #expect(event["step"] as? String == job.step.rawValue)
        #expect(try parts.sqlite.webhook(jobID: job.id)?.state == .pending)
    }
}
