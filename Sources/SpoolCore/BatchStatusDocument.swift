import Foundation

/// `batches/<batch_id>.json` (folder-contract §6): the batch's jobs, their counts per status, and its end.
package struct BatchStatusDocument: Codable, Sendable, Equatable {
    package var batchId: String
    package var source: String
    package var createdAt: Int64
    package var jobIds: [String]
    package var folder: String?
    package var counts: Counts
    /// Percent of the jobs that are terminal, rounded down.
    package var progress: Int
    package var status: Status
    /// Written once the batch is done (`null` when unknown), absent before.
    package var finishedAt: Int64?
    package var schemaVersion = JobStatusDocument.schemaVersion

    package var totalJobs: Int { jobIds.count }

    package init(
        batchId: String, source: String, createdAt: Int64, jobIds: [String], folder: String?, counts: Counts,
        progress: Int, status: Status, finishedAt: Int64?
    ) {
        self.batchId = batchId
        self.source = source
        self.createdAt = createdAt
        self.jobIds = jobIds
        self.folder = folder
        self.counts = counts
        self.progress = progress
        self.status = status
        self.finishedAt = finishedAt
    }

    /// `processing` until every job is terminal; then `completed` when all Completed, else `finished`.
    package enum Status: String, Codable, Sendable {
        case processing, completed, finished
    }

    /// How many jobs are in each status; every status is written, zeros included.
    package struct Counts: Codable, Sendable, Equatable {
        package var pending = 0, processing = 0, completed = 0, failed = 0, warning = 0, skipped = 0

        package init() {}

        package subscript(status: JobStatus) -> Int {
            get {
                switch status {
                case .pending: pending
                case .processing: processing
                case .completed: completed
                case .failed: failed
                case .warning: warning
                case .skipped: skipped
                }
            }
            set {
                switch status {
                case .pending: pending = newValue
                case .processing: processing = newValue
                case .completed: completed = newValue
                case .failed: failed = newValue
                case .warning: warning = newValue
                case .skipped: skipped = newValue
                }
            }
        }

        enum CodingKeys: String, CodingKey {
            case pending = "Pending"
            case processing = "Processing"
            case completed = "Completed"
            case failed = "Failed"
            case warning = "Warning"
            case skipped = "Skipped"
        }
    }

    enum CodingKeys: String, CodingKey {
        case source, folder, counts, progress, status
        case batchId = "batch_id"
        case createdAt = "created_at"
        case totalJobs = "total_jobs"
        case jobIds = "job_ids"
        case finishedAt = "finished_at"
        case schemaVersion = "schema_version"
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(batchId, forKey: .batchId)
        try c.encode(source, forKey: .source)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(totalJobs, forKey: .totalJobs)
        try c.encode(jobIds, forKey: .jobIds)
        try c.encodeOrNull(folder, forKey: .folder)
        try c.encode(counts, forKey: .counts)
        try c.encode(progress, forKey: .progress)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try c.encode(status.rawValue, forKey: .status)
        if status != .processing { try c.encodeOrNull(finishedAt, forKey: .finishedAt) }
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchId = try c.decode(String.self, forKey: .batchId)
        source = try c.decode(String.self, forKey: .source)
        createdAt = try c.decode(Int64.self, forKey: .createdAt)
        jobIds = try c.decode([String].self, forKey: .jobIds)
        folder = try c.decodeIfPresent(String.self, forKey: .folder)
        counts = try c.decode(Counts.self, forKey: .counts)
        progress = try c.decode(Int.self, forKey: .progress)
        status = try c.decode(Status.self, forKey: .status)
        finishedAt = try c.decodeIfPresent(Int64.self, forKey: .finishedAt)
        schemaVersion = try c.decode(Int.self, forKey: .schemaVersion)
    }
}
