import Foundation
import SpoolCore
import SpoolService
import SpoolStore

extension SpoolAPI {
    /// `webhook_url` and `enable_progress_webhook` of a `POST /jobs` body (docs/webhooks.md), checked as a job's
    /// URL is (an http(s) URL, then the SSRF rule unless `allow_private_network`); nil when there is no webhook.
    func webhookRequest(_ raw: Data) async throws -> (url: String, progress: Bool)? {
        func refuse(_ field: String, _ message: String) -> APIError {
            APIError(.badRequest, "1 problem in request", errors: [FieldError(field: field, message: message)])
        }
        // JSONDecoder, not JSONSerialization: on Linux the latter reads 1 as true.
        struct Flag: Decodable {
            var enableProgressWebhook: Bool?
            enum CodingKeys: String, CodingKey { case enableProgressWebhook = "enable_progress_webhook" }
        }
        let object = (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any] ?? [:]
        var progress = false
        if let value = object["enable_progress_webhook"], !(value is NSNull) {
            guard let flag = (try? JSONDecoder().decode(Flag.self, from: raw))?.enableProgressWebhook else {
                throw refuse("enable_progress_webhook", "enable_progress_webhook must be true or false")
            }
            progress = flag
        }
        guard let value = object["webhook_url"], !(value is NSNull) else {
            if progress {
                throw refuse(
                    "enable_progress_webhook", "enable_progress_webhook needs webhook_url; add one or remove it")
            }
            return nil
        }
        guard let url = value as? String, url.unicodeScalars.count <= 2048,
            let parsed = URLComponents(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
            let host = parsed.host, !host.isEmpty
        else {
            throw refuse("webhook_url", "webhook_url must be an http:// or https:// URL of at most 2048 characters")
        }
        if !parts.configuration.allowPrivateNetwork,
            let refusal = try await blocking({ NetworkPolicy.refusal(forURL: url) })
        {
            throw refuse("webhook_url", "webhook_url: \(refusal)")
        }
        return (url, progress)
    }

    /// Stores the job's webhook (`pending`) and rewrites its status file with `webhook_status`.
    func recordWebhook(_ webhook: (url: String, progress: Bool), jobID: String) async throws {
        let hook = WebhookRecord(jobId: jobID, url: webhook.url, progress: webhook.progress)
        try await store.insertWebhookDelivery(hook)
        if let job = try await store.fetchJob(id: jobID) { await parts.status.write(job: job) }
    }
}
