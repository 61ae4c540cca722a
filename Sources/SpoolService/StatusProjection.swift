import Foundation
import SpoolCore
import SpoolStore

/// Turns store records into the status files' JSON (SPEC §5, §6): the database is the truth,
/// these documents are its projection.
package enum StatusProjection {
    package static let schemaVersion = 1

    /// `jobs/<job_id>.json`. Absent: does not apply yet; `null`: applies but unknown.
    package static func job(_ job: JobRecord, paths: SpoolPaths) -> [String: Any] {
        var doc: [String: Any] = [
            "id": job.id, "batch_id": job.batchId, "url": job.url, "status": job.status.rawValue,
            "step": job.step.rawValue, "created_at": job.createdAt, "folder": job.folder ?? NSNull(),
            "schema_version": schemaVersion,
        ]
        let o = job.options
        let echo: [String: Any] = [
            "format": o.format, "video_codec": o.videoCodec, "audio_codec": o.audioCodec,
            "audio_bitrate": o.audioBitrate ?? NSNull(), "video_quality": o.videoQuality,
            "filename": job.filename ?? NSNull(), "audio_only": o.audioOnly, "download_subtitles": o.downloadSubtitles,
            "download_thumbnail": o.downloadThumbnail, "quality_preset": o.qualityPreset ?? NSNull(),
            "max_resolution": o.maxResolution, "clip_start": o.clipStart ?? NSNull(), "clip_end": o.clipEnd ?? NSNull(),
            "live_recording": o.liveRecording, "live_from_start": o.liveFromStart,
            "max_duration": o.maxDuration ?? NSNull(), "wait_for_video": o.waitForVideo,
        ]
        doc.merge(echo) { current, _ in current }
        doc["requested_quality"] = o.requestedQuality
        if let original = job.originalJobId { doc["original_job_id"] = original }
        if job.attempt > 0 { doc["attempt"] = job.attempt }
        if let started = job.startedAt { doc["started_at"] = started }
        if let wait = job.queueWaitMs { doc["queue_wait_ms"] = wait }
        if job.status == .processing {
            if let next = job.nextRetryAt { doc["next_retry_at"] = next }
            if let p = job.progress { doc["progress"] = progress(p) }
        }
        if job.status.isTerminal {
            doc["finished_at"] = job.finishedAt ?? NSNull()
            doc["download_retries"] = job.downloadRetries
        }
        switch job.status {
        case .completed:
            if let r = job.result { doc.merge(completed(r, paths: paths)) { _, new in new } }
        case .failed, .warning, .skipped:
            doc["error"] = job.error ?? NSNull()
            doc["error_type"] = (job.errorType ?? (job.status == .failed ? .error : .warning)).rawValue
        case .pending, .processing:
            break
        }
        return doc
    }

    static func progress(_ p: JobProgress) -> [String: Any] {
        if let recorded = p.recordedSeconds {
            // A live recording (SPEC §5).
            return ["recorded_s": recorded, "max_duration_s": p.maxDurationSeconds ?? NSNull()]
        }
        return [
            "percent": p.percent ?? NSNull(), "downloaded_bytes": p.downloadedBytes ?? NSNull(),
            "total_bytes": p.totalBytes ?? NSNull(), "speed_bps": p.speedBps ?? NSNull(),
            "eta_s": p.etaSeconds ?? NSNull(),
        ]
    }

    static func completed(_ r: JobResult, paths: SpoolPaths) -> [String: Any] {
        func url(_ key: String?) -> Any {
            guard let key else { return NSNull() }
            return URL(fileURLWithPath: paths.out + "/" + key).absoluteString
        }
        var doc: [String: Any] = [
            "s3_key": r.s3Key ?? NSNull(), "s3_url": url(r.s3Key),
            "output_path": r.s3Key.map { relative(paths.out + "/" + $0, to: paths.root) } ?? NSNull(),
            "subtitle_key": r.subtitleKeys.first ?? NSNull(), "subtitle_keys": r.subtitleKeys,
            "subtitle_url": url(r.subtitleKeys.first), "thumbnail_key": r.thumbnailKey ?? NSNull(),
            "thumbnail_url": url(r.thumbnailKey), "file_size": r.fileSize ?? NSNull(),
            "duration_s": r.durationSeconds ?? NSNull(), "title": r.title ?? NSNull(),
            "description": r.description ?? NSNull(), "release_date": r.releaseDate ?? NSNull(),
            "native_video_codec": r.nativeVideoCodec ?? NSNull(), "native_audio_codec": r.nativeAudioCodec ?? NSNull(),
            "output_video_codec": r.outputVideoCodec ?? NSNull(), "output_audio_codec": r.outputAudioCodec ?? NSNull(),
            "actual_quality": r.actualQuality ?? NSNull(), "download_speed_mbps": r.downloadSpeedMbps ?? NSNull(),
            "download_duration_ms": r.downloadDurationMs ?? NSNull(), "mux_duration_ms": r.muxDurationMs ?? NSNull(),
            "upload_duration_ms": r.uploadDurationMs ?? NSNull(), "total_duration_ms": r.totalDurationMs ?? NSNull(),
        ]
        if let v = r.transcodeReason { doc["transcode_reason"] = v }
        if let v = r.stoppedReason { doc["stopped_reason"] = v }
        if let v = r.note { doc["note"] = v }
        return doc
    }

    /// A path relative to the root when it is under it (outputs placed elsewhere stay absolute).
    static func relative(_ path: String, to root: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// `batches/<batch_id>.json`.
    package static func batch(_ batch: BatchRecord, jobs: [JobRecord]) -> [String: Any] {
        var counts: [String: Int] = [:]
        for status in JobStatus.allCases { counts[status.rawValue] = 0 }
        for job in jobs { counts[job.status.rawValue, default: 0] += 1 }
        let terminal = jobs.filter { $0.status.isTerminal }.count
        let allDone = !jobs.isEmpty && terminal == jobs.count
        var doc: [String: Any] = [
            "batch_id": batch.id, "source": batch.source, "created_at": batch.createdAt, "total_jobs": jobs.count,
            "job_ids": jobs.map(\.id), "folder": batch.folder ?? NSNull(), "counts": counts,
            "progress": jobs.isEmpty ? 0 : Int((Double(terminal) / Double(jobs.count) * 100).rounded(.down)),
            "schema_version": schemaVersion,
        ]
        if allDone {
            doc["status"] = jobs.allSatisfy { $0.status == .completed } ? "completed" : "finished"
            doc["finished_at"] = batch.finishedAt ?? jobs.compactMap(\.finishedAt).max() ?? NSNull()
        } else {
            doc["status"] = "processing"
        }
        return doc
    }

    /// Stable, readable JSON bytes for a status document.
    package static func encode(_ doc: [String: Any]) -> Data {
        let data = (try? JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return data + Data("\n".utf8)
    }
}
