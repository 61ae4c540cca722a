import Foundation
import Testing

/// The HTTP API with a webhook secret; retry_base_delay_s 0.5 makes the backoff 0.5 s, then 2 s.
let webhookConfig = """
    {"rescan_interval_s": 0.5, "incomplete_grace_s": 2, "retries": 0, "retry_base_delay_s": 0.5,
     "allow_private_network": true, "http_listen": "127.0.0.1:0", "webhook_secret": "whsec_e2e-secret"}
    """

/// One job slot, so a job's webhook could only hold up the next job by holding that slot.
let webhookOneSlot = """
    {"rescan_interval_s": 0.5, "incomplete_grace_s": 2, "retries": 0, "downloads": 1,
     "allow_private_network": true, "http_listen": "127.0.0.1:0"}
    """

@Suite("End to end: webhooks on the real binary", .serialized, .timeLimit(.minutes(5)))
struct WebhookEndToEndTests {
    @Test("job_completed reaches a loopback receiver once, signed; a receiver failing twice gets it on attempt 3")
    func completedSignedAndRetried() async throws {
        let lab = try await sharedLab()
        let receiver = try WebhookReceiver()
        let spool = try SpoolRoot("webhook-completed", config: webhookConfig)
        try spool.start()
        let http = try await SpoolHTTPClient.connect(to: spool)
        let once = try await http.post(
            "/jobs",
            #"{"url": "\#(lab.url("clipA.mp4"))", "folder": "hooks", "webhook_url": "\#(receiver.url("ok/1"))"}"#)
        #expect(once.status == 201, "\(once.text)")
        let id = try #require(once.json?["job_id"] as? String)
        let flaky = try await http.post(
            "/jobs", #"{"url": "\#(lab.url("clipB.mp4"))", "webhook_url": "\#(receiver.url("flaky/2/b"))"}"#)
        let flakyID = try #require(flaky.json?["job_id"] as? String)
        #expect(spool.job(flakyID)?["webhook_status"] as? String != "delivered")

        for job in [id, flakyID] {
            _ = try await waitFor("\(job)'s webhook_status delivered", timeout: 90, on: spool) {
                spool.job(job)?["webhook_status"] as? String == "delivered" ? true : nil
            }
        }
        try await Task.sleep(for: .seconds(1))  // a duplicate send would land meanwhile
        let got = receiver.requests(to: "ok/1")
        #expect(got.count == 1, "\(got.map(\.body))")
        let request = try #require(got.first)
        let job = try #require(spool.job(id))
        let payload = try #require(request.json)
        #expect(payload["type"] as? String == "job_completed")
        #expect(payload["job_id"] as? String == id)
        #expect(payload["status"] as? String == "completed")
        #expect(payload["url"] as? String == lab.url("clipA.mp4"))
        #expect(payload["key"] as? String == job["s3_key"] as? String)
        #expect(payload["folder"] as? String == "hooks")
        for key in ["title", "description", "release_date", "subtitle_key"] {
            #expect(payload.keys.contains(key), "\(key) missing from \(payload)")
        }
        // The signature, recomputed with Python's hmac: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">.
        let signature = try #require(request.signature)
        let fields = Dictionary(
            uniqueKeysWithValues: signature.split(separator: ",").map {
                let kv = $0.split(separator: "=", maxSplits: 1)
                return (String(kv[0]), kv.count > 1 ? String(kv[1]) : "")
            })
        let t = try #require(fields["t"].flatMap { Double($0) })
        #expect(abs(t - request.at) < 300, "t=\(t) received at \(request.at)")
        let expected = try pythonHMAC(secret: "whsec_e2e-secret", message: "\(fields["t"]!).\(request.body)")
        #expect(fields["v1"] == expected, "\(signature) vs \(expected)")

        // Two 503s, then 200 on the third attempt, after the backoff's 0.5 s and 2 s.
        let attempts = receiver.requests(to: "flaky/2/b")
        #expect(attempts.map(\.answer) == [503, 503, 200])
        if attempts.count == 3 {
            #expect(attempts[1].at - attempts[0].at >= 0.45, "\(attempts.map(\.at))")
            #expect(attempts[2].at - attempts[1].at >= 1.9, "\(attempts.map(\.at))")
            #expect(attempts[2].json?["job_id"] as? String == flakyID)
        }
        try await spool.stop()
        let log = (try? String(contentsOf: spool.log, encoding: .utf8)) ?? ""
        #expect(!log.contains("whsec_e2e-secret"), "the secret is in the log")
    }

    @Test("a receiver that never answers holds no job slot: the next job completes and its webhook is delivered")
    func hangingReceiverHoldsNoSlot() async throws {
        let lab = try await sharedLab()
        let receiver = try WebhookReceiver()
        let spool = try SpoolRoot("webhook-hang", config: webhookOneSlot)
        try spool.start()
        let http = try await SpoolHTTPClient.connect(to: spool)
        let first = try await http.post(
            "/jobs", #"{"url": "\#(lab.url("clipA.mp4"))", "webhook_url": "\#(receiver.url("hang/a"))"}"#)
        let firstID = try #require(first.json?["job_id"] as? String)
        #expect(spool.job(firstID)?["webhook_status"] as? String == "pending")
        // The first job ends and its webhook hangs (30 s timeout) before the second job is even posted.
        _ = try await waitFor("the hanging receiver to get the first job's webhook", timeout: 90, on: spool) {
            receiver.requests(to: "hang/a").isEmpty ? nil : true
        }
        #expect(spool.job(firstID)?["status"] as? String == "Completed")
        let second = try await http.post(
            "/jobs", #"{"url": "\#(lab.url("clipB.mp4"))", "webhook_url": "\#(receiver.url("ok/b"))"}"#)
        let secondID = try #require(second.json?["job_id"] as? String)
        _ = try await waitFor("the second job's webhook to be delivered", timeout: 60, on: spool) {
            spool.job(secondID)?["webhook_status"] as? String == "delivered" ? true : nil
        }
        #expect(spool.job(secondID)?["status"] as? String == "Completed")
        // Sent while the first receiver still held its request (its attempt times out after 30 s).
        let hung = try #require(receiver.requests(to: "hang/a").first)
        let delivered = receiver.requests(to: "ok/b")
        #expect(delivered.count == 1)
        #expect((delivered.first?.at ?? .infinity) - hung.at < 30, "sent \(delivered.map(\.at)) after \(hung.at)")
        #expect(receiver.requests(to: "hang/a").count == 1)
        #expect(spool.job(firstID)?["webhook_status"] as? String == "pending")
        try await spool.stop()
        #expect(spool.exitStatus == 0)
    }

    @Test("a delivery waiting for its next attempt survives a restart: sent by the next process, delivered")
    func survivesRestart() async throws {
        let lab = try await sharedLab()
        let receiver = try WebhookReceiver()
        // A 6 s backoff after the first (refused) attempt: long enough to stop spool before the second.
        let config = webhookConfig.replacingOccurrences(
            of: #""retry_base_delay_s": 0.5"#, with: #""retry_base_delay_s": 6"#)
        let spool = try SpoolRoot("webhook-restart", config: config)
        try spool.start()
        let http = try await SpoolHTTPClient.connect(to: spool)
        let created = try await http.post(
            "/jobs", #"{"url": "\#(lab.url("clipA.mp4"))", "webhook_url": "\#(receiver.url("flaky/1/r"))"}"#)
        let id = try #require(created.json?["job_id"] as? String)
        _ = try await waitFor("the first, refused attempt", timeout: 90, on: spool) {
            receiver.requests(to: "flaky/1/r").isEmpty ? nil : true
        }
        try await spool.stop()
        #expect(spool.job(id)?["webhook_status"] as? String == "pending")
        #expect(receiver.requests(to: "flaky/1/r").count == 1)
        try spool.start()
        _ = try await waitFor("the webhook delivered after the restart", timeout: 60, on: spool) {
            spool.job(id)?["webhook_status"] as? String == "delivered" ? true : nil
        }
        let attempts = receiver.requests(to: "flaky/1/r")
        #expect(attempts.map(\.answer) == [503, 200])
        #expect(attempts.last?.json?["type"] as? String == "job_completed")
        try await spool.stop()
    }
}
