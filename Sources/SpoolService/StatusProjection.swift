import Foundation
import SpoolCore
import SpoolStore

/// Turns store records into the status files' documents (folder-contract §5, §6): the database is the truth,
/// these documents are its projection.
package enum StatusProjection {
    /// `jobs/<job_id>.json`. Absent: does not apply yet; `null`: applies but unknown.
    package static func job(_ job: JobRecord, paths: SpoolPaths) -> JobStatusDocument {
        var doc = JobStatusDocument(
            id: job.id, batchId: job.batchId, url: job.url, status: job.status, step: job.step,
            createdAt: job.createdAt, folder: job.folder, filename: job.filename, options: job.options)
        doc.originalJobId = job.originalJobId
        doc.node = job.node
        if job.attempt > 0 { doc.attempt = job.attempt }
        doc.startedAt = job.startedAt
        doc.queueWaitMs = job.queueWaitMs
        if job.status == .processing {
            doc.nextRetryAt = job.nextRetryAt
            doc.progress = job.progress.map(progress)
        }
        if job.status.isTerminal {
            doc.finish = .init(finishedAt: job.finishedAt, downloadRetries: job.downloadRetries)
        }
        switch job.status {
        case .completed:
            doc.result = job.result.map { completed($0, paths: paths) }
        case .failed, .warning, .skipped:
            doc.failure = .init(
                error: job.error, errorType: job.errorType ?? (job.status == .failed ? .error : .warning))
        case .pending, .processing:
            break
        }
        return doc
    }

    static func progress(_ p: JobProgress) -> JobStatusDocument.Progress {
        JobStatusDocument.Progress(
            percent: p.percent, downloadedBytes: p.downloadedBytes, totalBytes: p.totalBytes, speedBps: p.speedBps,
            etaSeconds: p.etaSeconds, recordedSeconds: p.recordedSeconds, maxDurationSeconds: p.maxDurationSeconds)
    }

    static func completed(_ r: JobResult, paths: SpoolPaths) -> JobStatusDocument.CompletedResult {
        func url(_ key: String?) -> String? {
            key.map { URL(fileURLWithPath: paths.out + "/" + $0).absoluteString }
        }
        var doc = JobStatusDocument.CompletedResult()
        doc.s3Key = r.s3Key
        doc.s3Url = url(r.s3Key)
        doc.outputPath = r.s3Key.map { relative(paths.out + "/" + $0, to: paths.root) }
        doc.subtitleKey = r.subtitleKeys.first
        doc.subtitleKeys = r.subtitleKeys
        doc.subtitleUrl = url(r.subtitleKeys.first)
        doc.thumbnailKey = r.thumbnailKey
        doc.thumbnailUrl = url(r.thumbnailKey)
        doc.fileSize = r.fileSize
        doc.durationSeconds = r.durationSeconds
        doc.title = r.title
        doc.description = r.description
        doc.releaseDate = r.releaseDate
        doc.nativeVideoCodec = r.nativeVideoCodec
        doc.nativeAudioCodec = r.nativeAudioCodec
        doc.outputVideoCodec = r.outputVideoCodec
        doc.outputAudioCodec = r.outputAudioCodec
        doc.actualQuality = r.actualQuality
        doc.downloadSpeedMbps = r.downloadSpeedMbps
        doc.downloadDurationMs = r.downloadDurationMs
        doc.muxDurationMs = r.muxDurationMs
        doc.uploadDurationMs = r.uploadDurationMs
        doc.totalDurationMs = r.totalDurationMs
        doc.transcodeReason = r.transcodeReason
        doc.stoppedReason = r.stoppedReason
        doc.note = r.note
        if let upload = r.upload { bucket(upload, into: &doc) }
        if let deleted = r.fileDeletedAt { purged(deleted, into: &doc) }
        return doc
    }

    /// A path relative to the root when it is under it (outputs placed elsewhere stay absolute).
    static func relative(_ path: String, to root: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// `batches/<batch_id>.json`.
    package static func batch(_ batch: BatchRecord, jobs: [JobRecord]) -> BatchStatusDocument {
        var counts = BatchStatusDocument.Counts()
        for job in jobs { counts[job.status] += 1 }
        let terminal = jobs.filter { $0.status.isTerminal }.count
        let allDone = !jobs.isEmpty && terminal == jobs.count
        let status: BatchStatusDocument.Status =
            !allDone ? .processing : jobs.allSatisfy { $0.status == .completed } ? .completed : .finished
        return BatchStatusDocument(
            batchId: batch.id, source: batch.source, createdAt: batch.createdAt, jobIds: jobs.map(\.id),
            folder: batch.folder, counts: counts,
            progress: jobs.isEmpty ? 0 : Int((Double(terminal) / Double(jobs.count) * 100).rounded(.down)),
            status: status, finishedAt: allDone ? batch.finishedAt ?? jobs.compactMap(\.finishedAt).max() : nil)
    }

    /// The bytes of a status file or receipt (`StatusJSONEncoder`). A document the encoder refuses (a
    /// non-finite timing) is written as `{}`, as JSONSerialization's refusal always was.
    package static func encode<Document: Encodable>(_ doc: Document) -> Data {
        (try? StatusJSONEncoder.encode(doc)) ?? Data("{}\n".utf8)
    }
}
