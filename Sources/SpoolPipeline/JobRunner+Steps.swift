import Foundation
import Logging
import SpoolCore

/// An attempt ends before its last step: a step throws this with what the attempt came to.
struct AttemptEnd: Error {
    var outcome: JobOutcome

    init(_ outcome: JobOutcome) { self.outcome = outcome }

    static func failed(_ message: String, _ type: ErrorType, retryable: Bool) -> AttemptEnd {
        AttemptEnd(.failed(FailureClass(message: message, type: type, retryable: retryable)))
    }
}

/// What the download step leaves for the next ones.
struct Downloaded: Sendable {
    var source: String
    var sourceInfo: MediaInfo
    var metadata: SourceMetadata
    var captionNote: String?
    var meter: TransferMeter
    /// When the download tool ended (before the file checks and the probe).
    var finished: ContinuousClock.Instant
}

/// What the convert step leaves for the next ones.
struct Converted: Sendable {
    var output: String
    var conversion: ConversionPlan
    /// When ffmpeg ended.
    var finished: ContinuousClock.Instant
}

extension JobRunner {
    /// yt-dlp (or the live recorder), then the file it wrote, its captions and its probe.
    func download(
        _ spec: JobSpec, report: @escaping @Sendable (JobReport) async -> Void,
        recording: (session: LiveSession, fromStart: Bool)?
    ) async throws -> Downloaded {
        let work = spec.work
        if refusePrivateNetwork, let refusal = NetworkPolicy.refusal(forURL: spec.url) {
            throw AttemptEnd.failed(refusal, .error, retryable: false)
        }
        await report(.step(recording == nil ? .downloading : .recording))
        let plan = DownloadPlan(
            url: spec.url, options: spec.options, workDirectory: work.path, socketTimeout: tools.socketTimeout,
            subtitleLanguages: tools.subtitleLanguages)
        let meter = TransferMeter()
        let download: ToolResult
        if let recording {
            let arguments = LivePlan.recordArguments(
                download: plan.arguments, maxDuration: spec.options.maxDuration, fromStart: recording.fromStart)
            download = try await recording.session.record(
                tool: tools.ytDlp, arguments: arguments, work: work, report: report)
        } else {
            let throttle = ProgressThrottle()
            download = try await runner.run(tools.ytDlp, arguments: plan.arguments, workingDirectory: work.path) {
                line in
                guard let parsed = DownloadProgressLine.parse(line) else { return }
                if parsed.status == "finished" { await meter.add(parsed) }
                if await throttle.shouldReport(final: parsed.status == "finished") {
                    await report(.progress(parsed.progress))
                }
            }
        }
        if download.cancelled || Task.isCancelled { throw AttemptEnd(.cancelled) }
        let finished = ContinuousClock.now
        guard download.exitCode == 0 else {
            logger.info(
                "download failed",
                metadata: [
                    "job.id": "\(spec.id)", "exit": "\(download.exitCode ?? -1)",
                    "stderr": "\(download.stderrTail.suffix(3).joined(separator: " | "))",
                ])
            throw AttemptEnd(
                .failed(
                    ErrorClassifier.classifyDownload(
                        exitCode: download.exitCode, signal: download.signal, stderr: download.stderrTail)))
        }
        guard let source = work.finalPath else {
            throw AttemptEnd.failed(
                "No video was downloaded from this URL (it may be a live stream or not a video).", .warning,
                retryable: false)
        }
        let metadata = SourceMetadata(json: FileManager.default.contents(atPath: work.file(DownloadPlan.infoFile)))
        var captionNote: String?
        if spec.options.downloadSubtitles {
            captionNote = try await fetchAutoCaptionsIfNeeded(spec, metadata: metadata)
            if Task.isCancelled { throw AttemptEnd(.cancelled) }
        }
        guard let sourceInfo = try await MediaProber(ffprobe: tools.ffprobe, runner: runner).probe(source) else {
            throw AttemptEnd.failed(
                "The URL did not lead to a playable video or audio file.", .warning, retryable: false)
        }
        return Downloaded(
            source: source, sourceInfo: sourceInfo, metadata: metadata, captionNote: captionNote, meter: meter,
            finished: finished)
    }

    /// ffmpeg into `output.<format>`, one encode at a time per permit of the encode gate. `recording`: a
    /// live attempt's session, told whether the conversion encodes video (a shutdown does not wait for that).
    func convert(
        _ spec: JobSpec, _ downloaded: Downloaded, report: @escaping @Sendable (JobReport) async -> Void,
        recording: LiveSession? = nil
    ) async throws -> Converted {
        await report(.step(.muxing))
        let output = spec.work.file("output." + spec.options.format)
        let conversion: ConversionPlan
        do {
            conversion = try ConversionPlan.make(
                options: spec.options, source: downloaded.sourceInfo, input: downloaded.source, output: output)
        } catch {
            throw AttemptEnd(.skipped(error.message))
        }
        recording?.beginConversion(encodesVideo: LiveResumeMarker.encodesVideo(conversion.arguments))
        if Task.isCancelled { throw AttemptEnd(.cancelled) }
        let expected = conversion.expectedDuration ?? downloaded.sourceInfo.duration ?? 0
        let throttle = ProgressThrottle()
        let (ffmpeg, runner, work) = (tools.ffmpeg, runner, spec.work.path)
        let convert = try await encodeGate.withPermit {
            try await runner.run(ffmpeg, arguments: conversion.arguments, workingDirectory: work) { line in
                guard expected > 0, line.hasPrefix("out_time_us="), let us = Double(line.dropFirst(12)) else { return }
                if await throttle.shouldReport(final: false) {
                    let percent = min(99.9, max(0, (us / 1_000_000 / expected * 1000).rounded() / 10))
                    await report(.progress(JobProgress(percent: percent)))
                }
            }
        }
        if convert.cancelled || Task.isCancelled { throw AttemptEnd(.cancelled) }
        let finished = ContinuousClock.now
        guard convert.exitCode == 0 else {
            logger.info(
                "conversion failed",
                metadata: [
                    "job.id": "\(spec.id)", "stderr": "\(convert.stderrTail.suffix(3).joined(separator: " | "))",
                ])
            throw AttemptEnd.failed(
                "The conversion to \(spec.options.format) failed.", .error, retryable: convert.signal != nil)
        }
        return Converted(output: output, conversion: conversion, finished: finished)
    }

    /// ffprobe on the output, checked against what the conversion promised.
    func verify(_ spec: JobSpec, _ converted: Converted) async throws -> MediaInfo {
        let prober = MediaProber(ffprobe: tools.ffprobe, runner: runner)
        guard let outputInfo = try await prober.probe(converted.output) else {
            throw AttemptEnd.failed("The converted file is not readable media.", .error, retryable: false)
        }
        let problems = converted.conversion.verify(outputInfo)
        guard problems.isEmpty else {
            throw AttemptEnd.failed(
                "The output failed verification: \(problems.joined(separator: "; ")).", .error, retryable: false)
        }
        return outputInfo
    }

    /// The output and its side files (subtitles, thumbnail) into `out/`, and the job's result.
    func publish(
        _ spec: JobSpec, _ downloaded: Downloaded, _ converted: Converted, outputInfo: MediaInfo,
        began: ContinuousClock.Instant, recording: LiveSession?, report: @escaping @Sendable (JobReport) async -> Void
    ) async throws -> JobOutcome {
        await report(.step(.uploading))
        let work = spec.work
        let title = FilenameSanitizer.sanitize(downloaded.metadata.title ?? "")
        let base = spec.filename ?? (title.isEmpty ? nil : title) ?? spec.id
        var items = [OutputPublisher.Item(source: converted.output, suffix: "." + spec.options.format)]
        let sideFiles = work.names
        let subtitles = sideFiles.filter { $0.hasPrefix("media.") && $0.hasSuffix(".vtt") }
        for sub in subtitles { items.append(.init(source: work.file(sub), suffix: String(sub.dropFirst(5)))) }
        let thumbnail = sideFiles.first { $0 == "media.jpg" }
        if let thumbnail { items.append(.init(source: work.file(thumbnail), suffix: ".jpg")) }
        let publication = try publisher.publish(items, jobID: spec.id, folder: spec.folder, base: base)
        let published = ContinuousClock.now

        var result = JobResult()
        result.s3Key = publication.keys[0]
        result.subtitleKeys = Array(publication.keys.dropFirst().prefix(subtitles.count))
        result.thumbnailKey = thumbnail != nil ? publication.keys.last : nil
        let attrs = try? FileManager.default.attributesOfItem(atPath: publication.stagePaths[0])
        result.fileSize = (attrs?[.size] as? NSNumber)?.int64Value
        result.durationSeconds = outputInfo.duration
        describe(&result, downloaded, outputInfo: outputInfo, options: spec.options)
        await time(&result, downloaded, converted, began: began, published: published)
        result.transcodeReason = converted.conversion.transcodeReason
        var notes: [String] = []
        if let captionNote = downloaded.captionNote { notes.append(captionNote) }
        if spec.options.downloadSubtitles && subtitles.isEmpty { notes.append("the source offers no subtitles") }
        if spec.options.downloadThumbnail && thumbnail == nil { notes.append("the source offers no thumbnail") }
        if spec.options.maxDuration != nil && !spec.options.liveRecording {
            notes.append("max_duration applies only to live recordings and was ignored")
        }
        if let recording {
            result.stoppedReason = recording.stoppedReason(duration: downloaded.sourceInfo.duration)
            notes += recording.notes
        }
        result.note = notes.isEmpty ? nil : notes.joined(separator: "; ")
        return .completed(result, PublishedOutput(publication))
    }

    /// What the source and the output are: title, dates, codecs, quality.
    private func describe(
        _ result: inout JobResult, _ downloaded: Downloaded, outputInfo: MediaInfo, options: JobOptions
    ) {
        let metadata = downloaded.metadata
        result.title = metadata.title
        result.description = metadata.description
        result.releaseDate = metadata.releaseDate
        result.nativeVideoCodec = metadata.videoCodec ?? downloaded.sourceInfo.video?.codec
        result.nativeAudioCodec = metadata.audioCodec ?? downloaded.sourceInfo.audio?.codec
        result.outputVideoCodec = outputInfo.video?.codec
        result.outputAudioCodec = outputInfo.audio?.codec
        result.actualQuality = options.audioOnly ? "audio" : outputInfo.shorterSide.map { "\($0)p" }
    }

    /// How long each step took, and the download's speed.
    private func time(
        _ result: inout JobResult, _ downloaded: Downloaded, _ converted: Converted, began: ContinuousClock.Instant,
        published: ContinuousClock.Instant
    ) async {
        let downloadSeconds = Self.seconds(downloaded.finished - began)
        let attributes = try? FileManager.default.attributesOfItem(atPath: downloaded.source)
        let sourceBytes = (attributes?[.size] as? NSNumber)?.doubleValue ?? 0
        result.downloadDurationMs = Int64(downloadSeconds * 1000)
        // The transfer's own speed as yt-dlp measured it (start-up and extraction excluded),
        // else the file's size over the whole download step.
        let transfer = await downloaded.meter.total
        let (bytes, seconds) = transfer.map { (Double($0.bytes), $0.seconds) } ?? (sourceBytes, downloadSeconds)
        result.downloadSpeedMbps = seconds > 0 ? (bytes * 8 / seconds / 1_000_000 * 100).rounded() / 100 : nil
        result.muxDurationMs = Int64(Self.seconds(converted.finished - downloaded.finished) * 1000)
        result.uploadDurationMs = Int64(Self.seconds(published - converted.finished) * 1000)
        result.totalDurationMs = Int64(Self.seconds(published - began) * 1000)
    }

    /// Automatic captions only when the source has no real subtitles, and then only the original
    /// language (folder-contract §3). Returns a note when captions were used or could not be had.
    private func fetchAutoCaptionsIfNeeded(_ spec: JobSpec, metadata: SourceMetadata) async throws -> String? {
        let fm = FileManager.default
        let work = spec.work
        guard !work.names.contains(where: { $0.hasPrefix("media.") && $0.hasSuffix(".vtt") }) else { return nil }
        let languages = AutoCaptionPlan.languages(fromJSON: fm.contents(atPath: work.file(DownloadPlan.captionsFile)))
        guard
            let choice = AutoCaptionPlan.choose(
                captionLanguages: languages, originalLanguage: metadata.language, allowed: tools.subtitleLanguages)
        else { return nil }
        let plan = AutoCaptionPlan(
            url: spec.url, track: choice.track, language: choice.language, workDirectory: work.path,
            socketTimeout: tools.socketTimeout)
        let result = try await runner.run(tools.ytDlp, arguments: plan.arguments, workingDirectory: work.path)
        if result.cancelled || Task.isCancelled { return nil }
        let written = work.file(plan.writtenName)
        guard result.exitCode == 0, fm.fileExists(atPath: written) else {
            return "the automatic captions could not be downloaded"
        }
        try fm.moveItem(atPath: written, toPath: work.file(plan.publishedName))
        return "the source has no subtitles; automatic captions (\(plan.language)) were used"
    }
}
