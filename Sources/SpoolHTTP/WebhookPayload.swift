import Foundation
import SpoolCore
import SpoolService
import SpoolStore

/// The bodies spool POSTs to a job's `webhook_url` (docs/webhooks.md), in the hosted API's shapes.
package enum WebhookPayload {
    /// The outcome event of a terminal job: `job_completed`, `job_failed` (Failed and Warning: `status` says
    /// which) or `job_skipped`; nil while the job runs.
    package static func outcome(_ job: JobRecord) -> Data? {
        var body: [String: Any]
        switch job.status {
        case .completed:
            let r = job.result
            body = [
                "type": "job_completed", "status": "completed", "key": r?.s3Key ?? NSNull(),
                "folder": job.folder ?? NSNull(), "title": r?.title ?? NSNull(),
                "description": r?.description ?? NSNull(), "release_date": r?.releaseDate ?? NSNull(),
                "subtitle_key": r?.subtitleKeys.first ?? NSNull(),
            ]
        case .failed, .warning:
            body = [
                "type": "job_failed", "status": job.status == .failed ? "failed" : "warning",
                "error": job.error ?? NSNull(),
            ]
        case .skipped:
            body = ["type": "job_skipped", "status": "skipped", "reason": job.error ?? NSNull()]
        case .pending, .processing:
            return nil
        }
        body["job_id"] = job.id
        body["url"] = job.url
        return encode(body)
    }

    /// A stage event of a running job (`enable_progress_webhook`): its step and download percent.
    package static func progress(_ job: JobRecord) -> Data {
        encode([
            "type": "job_progress", "job_id": job.id, "status": "processing", "url": job.url,
            "step": job.step.rawValue, "progress": job.progress?.percent ?? NSNull(),
        ])
    }

    static func encode(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
    }
}
