import Foundation
import Logging
import SpoolCore

/// Runs one attempt of a job: download (yt-dlp) → probe → convert (ffmpeg) → verify (ffprobe) → publish.
///
/// Cancellation: cancelling the calling task stops the running tool's process group and the
/// attempt returns `.cancelled`; the work directory is removed in every case.
package struct JobRunner: Sendable {
    package var tools: ToolPaths
    package var publisher: OutputPublisher
    package var runner: ToolRunner
    /// Caps concurrent ffmpeg encodes (default: one per core) independently of the download slots.
    package var encodeGate: AsyncGate
    /// Re-checks the URL's host right before the download (DNS may have changed since validation).
    package var refusePrivateNetwork: Bool = true
    /// Live recordings (`live_recording`): the watchdog and the stop graces.
    package var live = LiveSettings()
    package var logger: Logger

    package init(
        tools: ToolPaths, publisher: OutputPublisher, runner: ToolRunner = ToolRunner(), encodeGate: AsyncGate,
        logger: Logger
    ) {
        self.tools = tools
        self.publisher = publisher
        self.runner = runner
        self.encodeGate = encodeGate
        self.logger = logger
    }

    package func run(_ spec: JobSpec, report: @escaping @Sendable (JobReport) async -> Void) async -> JobOutcome {
        let fm = FileManager.default
        try? fm.removeItem(atPath: spec.workDirectory)
        defer { try? fm.removeItem(atPath: spec.workDirectory) }
        publisher.recover(jobID: spec.id, folder: spec.folder)
        do {
            try fm.createDirectory(atPath: spec.workDirectory, withIntermediateDirectories: true)
            if spec.options.liveRecording { return await liveAttempt(spec, report: report) }
            return try await attempt(spec, report: report)
        } catch {
            if Task.isCancelled { return .cancelled }
            logger.error("job attempt failed", metadata: ["job.id": "\(spec.id)", "error": "\(error)"])
            return .failed(
                FailureClass(message: Self.internalFailureMessage(error), type: .error, retryable: true))
        }
    }

    /// `recording`: a live attempt (LiveRecorder.swift) records instead of downloading.
    func attempt(
        _ spec: JobSpec, report: @escaping @Sendable (JobReport) async -> Void,
        recording: (session: LiveSession, fromStart: Bool)? = nil
    ) async throws -> JobOutcome {
        let fm = FileManager.default
        let clock = ContinuousClock()
        let began = clock.now
        let work = spec.workDirectory

        // Download.
        if refusePrivateNetwork, let refusal = NetworkPolicy.refusal(forURL: spec.url) {
            return .failed(FailureClass(message: refusal, type: .error, retryable: false))
        }
        await report(.step(recording == nil ? .downloading : .recording))
        let plan = DownloadPlan(
            url: spec.url, options: spec.options, workDirectory: work, socketTimeout: tools.socketTimeout,
            subtitleLanguages: tools.subtitleLanguages)
        let throttle = ProgressThrottle()
        let meter = TransferMeter()
        let download: ToolResult
        if let recording {
            let arguments = LivePlan.recordArguments(
                download: plan.arguments, maxDuration: spec.options.maxDuration, fromStart: recording.fromStart)
            download = try await recording.session.record(
                tool: tools.ytDlp, arguments: arguments, workDirectory: work, report: report)
        } else {
            download = try await runner.run(tools.ytDlp, arguments: plan.arguments, workingDirectory: work) { line in
                guard let parsed = DownloadProgressLine.parse(line) else { return }
                if parsed.status == "finished" { await meter.add(parsed) }
                if await throttle.shouldReport(final: parsed.status == "finished") {
                    await report(.progress(parsed.progress))
                }
            }
        }
        if download.cancelled || Task.isCancelled { return .cancelled }
        let downloadDone = clock.now
        guard download.exitCode == 0 else {
            logger.info(
                "download failed",
                metadata: ["job.id": "\(spec.id)", "exit": "\(download.exitCode ?? -1)",
                           "stderr": "\(download.stderrTail.suffix(3).joined(separator: " | "))"])
            return .failed(
                ErrorClassifier.classifyDownload(
                    exitCode: download.exitCode, signal: download.signal, stderr: download.stderrTail))
        }
        let finalPath = (try? String(contentsOfFile: work + "/" + DownloadPlan.finalPathFile, encoding: .utf8))?
            .split(whereSeparator: \.isNewline).first.map(String.init)
        guard let source = finalPath, fm.fileExists(atPath: source) else {
            return .failed(
                FailureClass(
                    message: "No video was downloaded from this URL (it may be a live stream or not a video).",
                    type: .warning, retryable: false))
        }
        let metadata = SourceMetadata(json: fm.contents(atPath: work + "/" + DownloadPlan.infoFile))
        var captionNote: String?
        if spec.options.downloadSubtitles {
            captionNote = try await fetchAutoCaptionsIfNeeded(spec, metadata: metadata)
            if Task.isCancelled { return .cancelled }
        }
        let prober = MediaProber(ffprobe: tools.ffprobe, runner: runner)
        guard let sourceInfo = try await prober.probe(source) else {
            return .failed(
                FailureClass(message: "The URL did not lead to a playable video or audio file.", type: .warning,
                             retryable: false))
        }

        // Convert.
        await report(.step(.muxing))
        let output = work + "/output." + spec.options.format
        let conversion: ConversionPlan
        do {
            conversion = try ConversionPlan.make(options: spec.options, source: sourceInfo, input: source, output: output)
        } catch {
            return .skipped(error.message)
        }
        let expected = conversion.expectedDuration ?? sourceInfo.duration ?? 0
        let convertThrottle = ProgressThrottle()
        let (ffmpeg, runner) = (tools.ffmpeg, runner)
        let convert = try await encodeGate.withPermit {
            try await runner.run(ffmpeg, arguments: conversion.arguments, workingDirectory: work) { line in
                guard expected > 0, line.hasPrefix("out_time_us="), let us = Double(line.dropFirst(12)) else { return }
                if await convertThrottle.shouldReport(final: false) {
                    let percent = min(99.9, max(0, (us / 1_000_000 / expected * 1000).rounded() / 10))
                    await report(.progress(JobProgress(percent: percent)))
                }
            }
        }
        if convert.cancelled || Task.isCancelled { return .cancelled }
        let convertDone = clock.now
        guard convert.exitCode == 0 else {
            logger.info(
                "conversion failed",
                metadata: ["job.id": "\(spec.id)", "stderr": "\(convert.stderrTail.suffix(3).joined(separator: " | "))"])
            return .failed(
                FailureClass(
                    message: "The conversion to \(spec.options.format) failed.", type: .error,
                    retryable: convert.signal != nil))
        }
        guard let outputInfo = try await prober.probe(output) else {
            return .failed(FailureClass(message: "The converted file is not readable media.", type: .error, retryable: false))
        }
        let problems = conversion.verify(outputInfo)
        guard problems.isEmpty else {
            return .failed(
                FailureClass(
                    message: "The output failed verification: \(problems.joined(separator: "; ")).", type: .error,
                    retryable: false))
        }

        // Publish.
        await report(.step(.uploading))
        let base = spec.filename ?? nonEmpty(FilenameSanitizer.sanitize(metadata.title ?? "")) ?? spec.id
        var items = [OutputPublisher.Item(source: output, suffix: "." + spec.options.format)]
        let sideFiles = (try? fm.contentsOfDirectory(atPath: work))?.sorted() ?? []
        let subtitles = sideFiles.filter { $0.hasPrefix("media.") && $0.hasSuffix(".vtt") }
        for sub in subtitles { items.append(.init(source: work + "/" + sub, suffix: String(sub.dropFirst(5)))) }
        let thumbnail = sideFiles.first { $0 == "media.jpg" }
        if let thumbnail { items.append(.init(source: work + "/" + thumbnail, suffix: ".jpg")) }
        let publication = try publisher.publish(items, jobID: spec.id, folder: spec.folder, base: base)
        let published = clock.now

        var result = JobResult()
        result.s3Key = publication.keys[0]
        result.subtitleKeys = Array(publication.keys.dropFirst().prefix(subtitles.count))
        result.thumbnailKey = thumbnail != nil ? publication.keys.last : nil
        let attrs = try? fm.attributesOfItem(atPath: publication.stagePaths[0])
        result.fileSize = (attrs?[.size] as? NSNumber)?.int64Value
        result.durationSeconds = outputInfo.duration
        result.title = metadata.title
        result.description = metadata.description
        result.releaseDate = metadata.releaseDate
        result.nativeVideoCodec = metadata.videoCodec ?? sourceInfo.video?.codec
        result.nativeAudioCodec = metadata.audioCodec ?? sourceInfo.audio?.codec
        result.outputVideoCodec = outputInfo.video?.codec
        result.outputAudioCodec = outputInfo.audio?.codec
        result.actualQuality = spec.options.audioOnly ? "audio" : outputInfo.shorterSide.map { "\($0)p" }
        let downloadSeconds = Self.seconds(downloadDone - began)
        let sourceBytes = ((try? fm.attributesOfItem(atPath: source))?[.size] as? NSNumber)?.doubleValue ?? 0
        result.downloadDurationMs = Int64(downloadSeconds * 1000)
        // The transfer's own speed as yt-dlp measured it (start-up and extraction excluded),
        // else the file's size over the whole download step.
        let transfer = await meter.total
        let (bytes, seconds) = transfer.map { (Double($0.bytes), $0.seconds) } ?? (sourceBytes, downloadSeconds)
        result.downloadSpeedMbps = seconds > 0 ? (bytes * 8 / seconds / 1_000_000 * 100).rounded() / 100 : nil
        result.muxDurationMs = Int64(Self.seconds(convertDone - downloadDone) * 1000)
        result.uploadDurationMs = Int64(Self.seconds(published - convertDone) * 1000)
        result.totalDurationMs = Int64(Self.seconds(published - began) * 1000)
        result.transcodeReason = conversion.transcodeReason
        var notes: [String] = []
        if let captionNote { notes.append(captionNote) }
        if spec.options.downloadSubtitles && subtitles.isEmpty { notes.append("the source offers no subtitles") }
        if spec.options.downloadThumbnail && thumbnail == nil { notes.append("the source offers no thumbnail") }
        if spec.options.maxDuration != nil && !spec.options.liveRecording {
            notes.append("max_duration applies only to live recordings and was ignored")
        }
        if let recording {
            result.stoppedReason = recording.session.stoppedReason(duration: sourceInfo.duration)
            notes += recording.session.notes
        }
        result.note = notes.isEmpty ? nil : notes.joined(separator: "; ")
        return .completed(result, publication)
    }

    private func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }

    /// One plain sentence for a failure of spool's own work (disk, permissions), naming the cause
    /// users can act on; the details go to the log.
    package static func internalFailureMessage(_ error: any Error) -> String {
        let ns = error as NSError
        let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError
        let posix = [ns, underlying].compactMap { $0 }.contains { $0.domain == NSPOSIXErrorDomain && $0.code == Int(ENOSPC) }
        let text = "\(error) \(ns.localizedDescription)".lowercased()
        if posix || text.contains("no space left on device") || text.contains("enospc") {
            return "The job could not be finished: no space left on device."
        }
        if text.contains("permission denied") || text.contains("eacces") {
            return "The job could not be finished: permission denied while writing its files."
        }
        return "The job could not be run because of a problem on this server (see the service log)."
    }

    /// Automatic captions only when the source has no real subtitles, and then only the original
    /// language (SPEC §3). Returns a note when captions were used or could not be had.
    private func fetchAutoCaptionsIfNeeded(_ spec: JobSpec, metadata: SourceMetadata) async throws -> String? {
        let fm = FileManager.default
        let work = spec.workDirectory
        let files = (try? fm.contentsOfDirectory(atPath: work)) ?? []
        guard !files.contains(where: { $0.hasPrefix("media.") && $0.hasSuffix(".vtt") }) else { return nil }
        let languages = AutoCaptionPlan.languages(fromJSON: fm.contents(atPath: work + "/" + DownloadPlan.captionsFile))
        guard
            let choice = AutoCaptionPlan.choose(
                captionLanguages: languages, originalLanguage: metadata.language, allowed: tools.subtitleLanguages)
        else { return nil }
        let plan = AutoCaptionPlan(
            url: spec.url, track: choice.track, language: choice.language, workDirectory: work,
            socketTimeout: tools.socketTimeout)
        let result = try await runner.run(tools.ytDlp, arguments: plan.arguments, workingDirectory: work)
        if result.cancelled || Task.isCancelled { return nil }
        let written = work + "/" + plan.writtenName
        guard result.exitCode == 0, fm.fileExists(atPath: written) else {
            return "the automatic captions could not be downloaded"
        }
        try fm.moveItem(atPath: written, toPath: work + "/" + plan.publishedName)
        return "the source has no subtitles; automatic captions (\(plan.language)) were used"
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// Adds up the finished transfers of a download (video and audio are two with split formats).
actor TransferMeter {
    private var bytes: Int64 = 0
    private var seconds: Double = 0

    func add(_ line: DownloadProgressLine) {
        guard let done = line.downloadedBytes ?? line.totalBytes, let elapsed = line.elapsedSeconds, elapsed > 0 else {
            return
        }
        bytes += done
        seconds += elapsed
    }

    var total: (bytes: Int64, seconds: Double)? { bytes > 0 && seconds > 0 ? (bytes, seconds) : nil }
}

/// Lets a progress report through at most twice a second (SPEC §5), and always the final one.
actor ProgressThrottle {
    private var last: ContinuousClock.Instant?

    func shouldReport(final: Bool) -> Bool {
        let now = ContinuousClock.now
        if !final, let last, now - last < .milliseconds(500) { return false }
        last = now
        return true
    }
}
