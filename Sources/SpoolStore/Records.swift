import Foundation
import GRDB
import SpoolCore

/// A batch row: one accepted batch file.
package struct BatchRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "batch"
    package var id: String
    /// The dropped file's name (`<stem>.json`), echoed as `source`.
    package var source: String
    /// The claimed file's name, so a crash between commit and archive is finished at start-up.
    package var claimName: String?
    package var idempotencyKey: String?
    package var folder: String?
    package var createdAt: Int64
    package var finishedAt: Int64?

    package init(
        id: String, source: String, claimName: String?, idempotencyKey: String?, folder: String?, createdAt: Int64,
        finishedAt: Int64? = nil
    ) {
        self.id = id
        self.source = source
        self.claimName = claimName
        self.idempotencyKey = idempotencyKey
        self.folder = folder
        self.createdAt = createdAt
        self.finishedAt = finishedAt
    }
}

/// A job row: one URL of a batch and everything known about its run.
///
/// Its state changes through the `JobLifecycle` mutators (SpoolCore), which keep to the state machine.
package struct JobRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, JobLifecycle {
    package static let databaseTableName = "job"
    package var id: String
    package var batchId: String
    /// Position in the batch's `job_ids` (retries are appended after the originals).
    package var position: Int
    package var url: String
    package var filename: String?
    package var folder: String?
    package var options: JobOptions
    package var status: JobStatus
    package var step: JobStep
    package var attempt: Int = 0
    package var downloadRetries: Int = 0
    package var createdAt: Int64
    package var startedAt: Int64?
    package var finishedAt: Int64?
    package var nextRetryAt: Int64?
    package var queueWaitMs: Int64?
    package var error: String?
    package var errorType: ErrorType?
    package var result: JobResult?
    package var progress: JobProgress?
    package var originalJobId: String?
    /// The node running the job or that ran it (the store's `node` at `startAttempt`, or the cluster's
    /// claim); nil while Pending, so every requeue clears it, and a retry job starts without one.
    package var node: String?

    package init(
        id: String, batchId: String, position: Int, url: String, filename: String?, folder: String?,
        options: JobOptions, createdAt: Int64, originalJobId: String? = nil
    ) {
        self.id = id
        self.batchId = batchId
        self.position = position
        self.url = url
        self.filename = filename
        self.folder = folder
        self.options = options
        self.status = .pending
        self.step = .queued
        self.createdAt = createdAt
        self.originalJobId = originalJobId
    }

    package var state: JobState {
        get { JobState(status: status, step: step) }
        set {
            status = newValue.status
            step = newValue.step
        }
    }
}
