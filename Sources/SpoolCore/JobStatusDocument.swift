import Foundation

/// `jobs/<job_id>.json` (folder-contract §5). An absent key means "does not apply (yet)"; `null` means
/// "applies but unknown": `encode(to:)` writes the nulls explicitly.
package struct JobStatusDocument: Codable, Sendable, Equatable {
    package static let schemaVersion = 1

    package var id: String
    package var batchId: String
    package var url: String
    package var status: JobStatus
    package var step: JobStep
    package var createdAt: Int64
    package var folder: String?
    package var filename: String?
    /// Echoed with the request's names; its nil optionals are written as `null`.
    package var options: JobOptions
    package var schemaVersion = Self.schemaVersion
    /// A retry's original job; absent otherwise.
    package var originalJobId: String?
    /// Absent before the first retry.
    package var attempt: Int?
    package var startedAt: Int64?
    package var queueWaitMs: Int64?
    /// A Processing job waiting for its next attempt.
    package var nextRetryAt: Int64?
    /// A Processing job's live progress.
    package var progress: Progress?
    /// A terminal job's end.
    package var finish: Finish?
    /// A Completed job's outputs.
    package var result: CompletedResult?
    /// A Failed, Warning or Skipped job's reason.
    package var failure: Failure?
    /// `pending`, `delivered` or `failed` for a job posted with `webhook_url`; absent otherwise.
    package var webhookStatus: String?
    /// The node running the job or that ran it; always written, `null` while Pending (and for a job that
    /// never ran).
    package var node: String?

    package init(
        id: String, batchId: String, url: String, status: JobStatus, step: JobStep, createdAt: Int64,
        folder: String?, filename: String?, options: JobOptions
    ) {
        self.id = id
        self.batchId = batchId
        self.url = url
        self.status = status
        self.step = step
        self.createdAt = createdAt
        self.folder = folder
        self.filename = filename
        self.options = options
    }

    /// `finished_at` (null when unknown) and `download_retries`, written once a job is terminal.
    package struct Finish: Sendable, Equatable {
        package var finishedAt: Int64?
        package var downloadRetries: Int

        package init(finishedAt: Int64?, downloadRetries: Int) {
            self.finishedAt = finishedAt
            self.downloadRetries = downloadRetries
        }
    }

    /// `error` (null when unknown) and `error_type` of a job that did not complete.
    package struct Failure: Sendable, Equatable {
        package var error: String?
        package var errorType: ErrorType

        package init(error: String?, errorType: ErrorType) {
            self.error = error
            self.errorType = errorType
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, url, status, step, folder, filename, attempt, progress, error, node
        case batchId = "batch_id"
        case createdAt = "created_at"
        case schemaVersion = "schema_version"
        case requestedQuality = "requested_quality"
        case originalJobId = "original_job_id"
        case startedAt = "started_at"
        case queueWaitMs = "queue_wait_ms"
        case nextRetryAt = "next_retry_at"
        case finishedAt = "finished_at"
        case downloadRetries = "download_retries"
        case errorType = "error_type"
        case s3Key = "s3_key"
        case webhookStatus = "webhook_status"
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(batchId, forKey: .batchId)
        try c.encode(url, forKey: .url)
        try c.encode(status.rawValue, forKey: .status)
        try c.encode(step.rawValue, forKey: .step)
        try c.encodeOrNull(node, forKey: .node)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encodeOrNull(folder, forKey: .folder)
        try c.encodeOrNull(filename, forKey: .filename)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try options.encodeEcho(to: encoder)
        try c.encode(options.requestedQuality, forKey: .requestedQuality)
        try c.encodeIfPresent(originalJobId, forKey: .originalJobId)
        try c.encodeIfPresent(attempt, forKey: .attempt)
        try c.encodeIfPresent(startedAt, forKey: .startedAt)
        try c.encodeIfPresent(queueWaitMs, forKey: .queueWaitMs)
        try c.encodeIfPresent(nextRetryAt, forKey: .nextRetryAt)
        try c.encodeIfPresent(progress, forKey: .progress)
        if let finish {
            try c.encodeOrNull(finish.finishedAt, forKey: .finishedAt)
            try c.encode(finish.downloadRetries, forKey: .downloadRetries)
        }
        try result?.encode(to: encoder)
        if let failure {
            try c.encodeOrNull(failure.error, forKey: .error)
            try c.encode(failure.errorType.rawValue, forKey: .errorType)
        }
        try c.encodeIfPresent(webhookStatus, forKey: .webhookStatus)
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        batchId = try c.decode(String.self, forKey: .batchId)
        url = try c.decode(String.self, forKey: .url)
        status = try c.decode(JobStatus.self, forKey: .status)
        step = try c.decode(JobStep.self, forKey: .step)
        node = try c.decodeIfPresent(String.self, forKey: .node)
        createdAt = try c.decode(Int64.self, forKey: .createdAt)
        folder = try c.decodeIfPresent(String.self, forKey: .folder)
        filename = try c.decodeIfPresent(String.self, forKey: .filename)
        schemaVersion = try c.decode(Int.self, forKey: .schemaVersion)
        options = try JobOptions(echoFrom: decoder)
        originalJobId = try c.decodeIfPresent(String.self, forKey: .originalJobId)
        attempt = try c.decodeIfPresent(Int.self, forKey: .attempt)
        startedAt = try c.decodeIfPresent(Int64.self, forKey: .startedAt)
        queueWaitMs = try c.decodeIfPresent(Int64.self, forKey: .queueWaitMs)
        nextRetryAt = try c.decodeIfPresent(Int64.self, forKey: .nextRetryAt)
        progress = try c.decodeIfPresent(Progress.self, forKey: .progress)
        if c.contains(.downloadRetries) {
            finish = Finish(
                finishedAt: try c.decodeIfPresent(Int64.self, forKey: .finishedAt),
                downloadRetries: try c.decode(Int.self, forKey: .downloadRetries))
        }
        if c.contains(.s3Key) { result = try CompletedResult(from: decoder) }
        if c.contains(.errorType) {
            failure = Failure(
                error: try c.decodeIfPresent(String.self, forKey: .error),
                errorType: try c.decode(ErrorType.self, forKey: .errorType))
        }
        webhookStatus = try c.decodeIfPresent(String.self, forKey: .webhookStatus)
    }
}

extension JobOptions {
    /// The options as a job status file echoes them: every key present, unset ones `null`.
    func encodeEcho(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format, forKey: .format)
        try c.encode(videoCodec, forKey: .videoCodec)
        try c.encode(audioCodec, forKey: .audioCodec)
        try c.encodeOrNull(audioBitrate, forKey: .audioBitrate)
        try c.encode(videoQuality, forKey: .videoQuality)
        try c.encode(audioOnly, forKey: .audioOnly)
        try c.encode(downloadSubtitles, forKey: .downloadSubtitles)
        try c.encode(downloadThumbnail, forKey: .downloadThumbnail)
        try c.encodeOrNull(qualityPreset, forKey: .qualityPreset)
        try c.encode(maxResolution, forKey: .maxResolution)
        try c.encodeOrNull(clipStart, forKey: .clipStart)
        try c.encodeOrNull(clipEnd, forKey: .clipEnd)
        try c.encode(liveRecording, forKey: .liveRecording)
        try c.encode(liveFromStart, forKey: .liveFromStart)
        try c.encodeOrNull(maxDuration, forKey: .maxDuration)
        try c.encode(waitForVideo, forKey: .waitForVideo)
    }

    /// The options read back from a job status file (`null` and absent alike are nil).
    init(echoFrom decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            format: try c.decode(String.self, forKey: .format),
            videoCodec: try c.decode(String.self, forKey: .videoCodec),
            audioCodec: try c.decode(String.self, forKey: .audioCodec),
            audioBitrate: try c.decodeIfPresent(String.self, forKey: .audioBitrate),
            videoQuality: try c.decode(Int.self, forKey: .videoQuality),
            audioOnly: try c.decode(Bool.self, forKey: .audioOnly),
            downloadSubtitles: try c.decode(Bool.self, forKey: .downloadSubtitles),
            downloadThumbnail: try c.decode(Bool.self, forKey: .downloadThumbnail),
            qualityPreset: try c.decodeIfPresent(String.self, forKey: .qualityPreset),
            maxResolution: try c.decode(String.self, forKey: .maxResolution),
            clipStart: try c.decodeIfPresent(String.self, forKey: .clipStart),
            clipEnd: try c.decodeIfPresent(String.self, forKey: .clipEnd),
            liveRecording: try c.decode(Bool.self, forKey: .liveRecording),
            liveFromStart: try c.decode(Bool.self, forKey: .liveFromStart),
            maxDuration: try c.decodeIfPresent(Int.self, forKey: .maxDuration),
            waitForVideo: try c.decode(Bool.self, forKey: .waitForVideo))
    }
}
