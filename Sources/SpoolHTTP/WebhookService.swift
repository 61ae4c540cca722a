import Foundation
import Logging
import ServiceLifecycle
import SpoolCore
import SpoolService
import SpoolStore
import Synchronization

/// Sends the webhooks of jobs posted with `webhook_url` (docs/webhooks.md), in a service of its own so a slow
/// or dead receiver never holds a job slot.
///
/// The store is the queue: every `pending` row whose job is terminal and whose backoff is over is sent, so a
/// delivery survives a restart, and one cut short by a crash or a stop is sent again (at least once).
package struct WebhookService: Service {
    var parts: DaemonParts
    var secret: String?
    var backoff: WebhookBackoff
    var sender: any WebhookSending
    var pollInterval: Duration
    /// After a pass that found no pending row at all, the next one waits this long: an idle node then reads
    /// the store every few seconds instead of twice a second (benchmark measure 5, idle CPU). A webhook that
    /// becomes due then waits at most this long for its first attempt.
    var idleInterval: Duration { pollInterval * 10 }
    /// Progress events of one job are at least this far apart (ms).
    var progressIntervalMs: Int64 = 5000
    let claims = Claims()

    package init(
        parts: DaemonParts, sender: any WebhookSending = HTTPWebhookSender(),
        pollInterval: Duration = .milliseconds(500)
    ) {
        self.parts = parts
        self.secret = parts.configuration.webhookSecret
        self.backoff = WebhookBackoff(baseDelaySeconds: parts.configuration.retryBaseDelaySeconds)
        self.sender = sender
        self.pollInterval = pollInterval
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    let (work, anyPending) = await dueWork()
                    for send in work {
                        group.addTask {
                            await send()
                        }
                    }
                    try? await Task.sleep(for: anyPending ? pollInterval : idleInterval)
                }
            }
        }
        await sender.shutdown()
        parts.logger.info("webhooks stopped")
    }

    /// One pass over the pending rows: the sends to start now, each already claimed, and whether there was
    /// any pending row (due or not; a failed read counts as one, so the next pass is not put off).
    func dueWork() async -> (work: [@Sendable () async -> Void], anyPending: Bool) {
        let store = parts.store
        let pending: [(WebhookRecord, JobRecord)]
        do {
            pending = try await store.fetchPendingWebhooks()
        } catch {
            parts.logger.error("webhooks not read", metadata: ["error": "\(error)"])
            return ([], true)
        }
        let now = Date().millisecondsSince1970
        var work: [@Sendable () async -> Void] = []
        for (hook, job) in pending {
            if job.status.isTerminal {
                guard hook.nextAttemptAt <= now, claims.claim(hook.jobId) else { continue }
                work.append {
                    await deliverOutcome(hook, job: job)
                    claims.release(hook.jobId)
                }
            } else if hook.progress, job.status == .processing,
                now - (hook.lastProgressAt ?? 0) >= progressIntervalMs, claims.claim(hook.jobId)
            {
                work.append {
                    await sendProgress(hook, job: job, at: now)
                    claims.release(hook.jobId)
                }
            }
        }
        return (work, !pending.isEmpty)
    }

    /// One attempt at the outcome event; the result (delivered, the next attempt's time, or failed) is saved
    /// and the job's status file rewritten when `webhook_status` changes.
    func deliverOutcome(_ hook: WebhookRecord, job: JobRecord) async {
        guard let body = WebhookPayload.outcome(job) else { return }
        var hook = hook
        hook.attempts += 1
        let problem = await send(hook, body: body)
        if problem != nil, Task.isCancelled { return }  // cut short by a stop: sent again after the restart
        hook.lastError = problem
        if problem == nil {
            hook.state = .delivered
        } else if let delay = backoff.delay(afterAttempt: hook.attempts) {
            hook.nextAttemptAt = Date().millisecondsSince1970 + Int64(delay * 1000)
        } else {
            hook.state = .failed
        }
        let (store, status, saved) = (parts.store, parts.status, hook)
        do {
            try await store.saveWebhookDelivery(saved)
            // The job as stored now: a write from the job in hand could undo a newer one.
            if saved.state != .pending, let current = try await store.fetchJob(id: saved.jobId) {
                await status.write(job: current)
            }
        } catch {
            parts.logger.error("webhook state not saved", metadata: ["job.id": "\(job.id)", "error": "\(error)"])
        }
        var metadata: Logger.Metadata = [
            "job.id": "\(job.id)", "attempt": "\(hook.attempts)", "webhook_status": "\(hook.state.rawValue)",
        ]
        if let problem { metadata["error"] = "\(problem)" }
        parts.logger.log(level: hook.state == .failed ? .warning : .info, "webhook attempt", metadata: metadata)
    }

    /// A stage event: one attempt, never retried (the next one follows within seconds).
    func sendProgress(_ hook: WebhookRecord, job: JobRecord, at now: Int64) async {
        var hook = hook
        hook.lastProgressAt = now
        let saved = hook
        let store = parts.store
        try? await store.saveWebhookDelivery(saved)
        if let problem = await send(hook, body: WebhookPayload.progress(job)) {
            parts.logger.debug(
                "progress webhook not delivered", metadata: ["job.id": "\(job.id)", "error": "\(problem)"])
        }
    }

    /// nil when the receiver answered 2xx; otherwise why not, in one sentence (it never includes the secret).
    func send(_ hook: WebhookRecord, body: Data) async -> String? {
        if !parts.configuration.allowPrivateNetwork {
            let url = hook.url
            if let refusal = await BlockingWork.run("webhook-ssrf", { NetworkPolicy.refusal(forURL: url) }) {
                return refusal
            }
        }
        var headers: [(String, String)] = []
        if let secret, !secret.isEmpty {
            let t = Int64(Date().timeIntervalSince1970)
            headers.append(
                (WebhookSignature.headerName, WebhookSignature.header(body: body, secret: secret, unixSeconds: t)))
        }
        do {
            let code = try await sender.post(url: hook.url, body: body, headers: headers)
            return (200..<300).contains(code) ? nil : "the receiver answered HTTP \(code)"
        } catch {
            return "the receiver could not be reached: \(error)"
        }
    }

    /// The jobs whose webhook is being sent: one request per job at a time.
    final class Claims: Sendable {
        let ids = Mutex<Set<String>>([])
        func claim(_ id: String) -> Bool { ids.withLock { $0.insert(id).inserted } }
        func release(_ id: String) { _ = ids.withLock { $0.remove(id) } }
    }
}
