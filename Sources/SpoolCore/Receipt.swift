import Foundation

/// `receipts/<stem>.json` of an accepted batch file (folder-contract §4): the batch and its jobs.
package struct Receipt: Codable, Sendable, Equatable {
    package var batchId: String
    package var jobIds: [String]
    /// The dropped file's name.
    package var source: String
    /// The batch was already known by its idempotency key: nothing new was created. Written only when true.
    package var cached: Bool

    package var totalJobs: Int { jobIds.count }

    package init(batchId: String, jobIds: [String], source: String, cached: Bool = false) {
        self.batchId = batchId
        self.jobIds = jobIds
        self.source = source
        self.cached = cached
    }

    enum CodingKeys: String, CodingKey {
        case source, cached
        case batchId = "batch_id"
        case totalJobs = "total_jobs"
        case jobIds = "job_ids"
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(batchId, forKey: .batchId)
        try c.encode(totalJobs, forKey: .totalJobs)
        try c.encode(jobIds, forKey: .jobIds)
        try c.encode(source, forKey: .source)
        if cached { try c.encode(true, forKey: .cached) }
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchId = try c.decode(String.self, forKey: .batchId)
        jobIds = try c.decodeIfPresent([String].self, forKey: .jobIds) ?? []
        source = try c.decode(String.self, forKey: .source)
        cached = try c.decodeIfPresent(Bool.self, forKey: .cached) ?? false
    }
}
