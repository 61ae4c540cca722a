import Foundation

/// The yt-dlp invocation for one job (folder-contract §9: `--ignore-config`, no user-controlled options,
/// the URL after `--`). Pure: the runner only executes what this returns.
package struct DownloadPlan: Sendable, Equatable {
    package var arguments: [String]

    /// Where yt-dlp writes the final media path and the metadata JSON inside the work directory.
    package static let finalPathFile = "final-path.txt"
    package static let infoFile = "info.json"
    package static let progressPrefix = "@@P "
    /// The source's automatic captions (`{lang: [...]}`), written only when subtitles are asked for.
    package static let captionsFile = "captions.json"

    package init(
        url: String, options: JobOptions, workDirectory: String, socketTimeout: Int, subtitleLanguages: [String]?
    ) {
        var args = [
            "--ignore-config", "--no-cache-dir", "--newline", "--progress", "--color", "never",
            "--socket-timeout", String(socketTimeout), "--retries", "0", "--fragment-retries", "3",
            "--abort-on-unavailable-fragments", "--no-playlist", "--playlist-items", "1", "--no-mtime",
            "--no-part",
            "-P", workDirectory, "-P", "temp:\(workDirectory)/.tmp", "-o", "media.%(ext)s",
            "--print-to-file", "after_move:%(filepath)s", "\(workDirectory)/\(Self.finalPathFile)",
            "--print-to-file",
            "video:%(.{id,title,description,upload_date,release_date,release_timestamp,timestamp,duration,"
                + "vcodec,acodec,width,height,is_live,live_status,extractor_key,language,format_id})j",
            "\(workDirectory)/\(Self.infoFile)",
            "--progress-template",
            "download:\(Self.progressPrefix)%(progress.status)s %(progress.downloaded_bytes)s "
                + "%(progress.total_bytes)s %(progress.total_bytes_estimate)s %(progress.speed)s %(progress.eta)s "
                + "%(progress.elapsed)s",
            "--merge-output-format", "mkv",
        ]
        if options.audioOnly {
            args += ["-f", "ba/b"]
        } else {
            args += ["-f", "bv*+ba/b"]
        }
        let sort = Self.sortOrder(options)
        if !sort.isEmpty { args += ["-S", sort.joined(separator: ",")] }
        if options.downloadSubtitles {
            // Real subtitles only: automatic captions are fetched afterwards, and only when there
            // are no real ones (folder-contract §3), from what `captionsFile` says the source offers.
            let langs = subtitleLanguages.map { $0.joined(separator: ",") } ?? "all"
            args += ["--write-subs", "--sub-langs", langs, "--convert-subs", "vtt"]
            args += ["--print-to-file", "video:%(automatic_captions)j", "\(workDirectory)/\(Self.captionsFile)"]
        }
        if options.downloadThumbnail {
            args += ["--write-thumbnail", "--convert-thumbnails", "jpg"]
        }
        if !options.liveRecording {
            args += ["--break-match-filters", "!is_live"]
        }
        args += ["--", url]
        arguments = args
    }

    /// yt-dlp's `-S` keys: the resolution cap (or the smallest source for `lowest`), then, for a
    /// stream that is to be copied, the source codecs the container can hold as they are, so that
    /// `copy` into webm picks a VP9/Opus source when there is one (folder-contract §3). `-S` only sorts, so it
    /// never fails when the source reports no heights or codecs; the cap is enforced after download.
    package static func sortOrder(_ options: JobOptions) -> [String] {
        var resolution: [String]
        if options.qualityPreset == "lowest" {
            resolution = ["+res", "+br"]
        } else if let cap = options.heightCap {
            resolution = ["res:\(cap)"]
        } else {
            resolution = ["quality", "res"]
        }
        var codecs: [String] = []
        let preference = SourcePreference(format: options.format)
        if !options.audioOnly, options.videoCodec == "copy", let v = preference.videoCodec {
            codecs.append("vcodec:\(v)")
        }
        if options.audioCodec == "copy", let a = preference.audioCodec { codecs.append("acodec:\(a)") }
        if !codecs.isEmpty, let ext = preference.ext { codecs.append("ext:\(ext)") }
        if codecs.isEmpty && resolution == ["quality", "res"] { return [] }
        return resolution + codecs
    }
}

/// The source codecs (yt-dlp's `-S` names) a container holds without re-encoding, for `copy`.
/// `nil`: the container holds whatever the site serves (mp4, mkv), so no preference is needed.
package struct SourcePreference: Sendable, Equatable {
    package var videoCodec: String?
    package var audioCodec: String?
    package var ext: String?

    package init(format: String) {
        switch format {
        case "webm": (videoCodec, audioCodec, ext) = ("vp9", "opus", "webm")
        case "mov": (videoCodec, audioCodec, ext) = ("h265", "aac", nil)
        case "m4a": (videoCodec, audioCodec, ext) = (nil, "aac", nil)
        case "mp3": (videoCodec, audioCodec, ext) = (nil, "mp3", nil)
        case "ogg", "opus": (videoCodec, audioCodec, ext) = (nil, "opus", "webm")
        default: (videoCodec, audioCodec, ext) = (nil, nil, nil)
        }
    }
}

/// One parsed `@@P` progress line of yt-dlp.
package struct DownloadProgressLine: Sendable, Equatable {
    package var status: String
    package var downloadedBytes: Int64?
    package var totalBytes: Int64?
    package var speedBps: Double?
    package var etaSeconds: Double?
    /// Seconds the transfer has taken so far (on the `finished` line: the whole transfer).
    package var elapsedSeconds: Double?

    /// Parses a line produced by `DownloadPlan`'s progress template; nil for any other line.
    package static func parse(_ line: String) -> DownloadProgressLine? {
        guard line.hasPrefix(DownloadPlan.progressPrefix) else { return nil }
        let fields = line.dropFirst(DownloadPlan.progressPrefix.count).split(separator: " ").map(String.init)
        guard fields.count >= 6 else { return nil }
        func int(_ s: String) -> Int64? { Double(s).map { Int64($0) } }
        let total = int(fields[2]) ?? int(fields[3])
        return DownloadProgressLine(
            status: fields[0], downloadedBytes: int(fields[1]), totalBytes: total,
            speedBps: Double(fields[4]), etaSeconds: Double(fields[5]),
            elapsedSeconds: fields.count > 6 ? Double(fields[6]) : nil)
    }

    package var progress: JobProgress {
        var percent: Double?
        if let done = downloadedBytes, let total = totalBytes, total > 0 {
            percent = min(100, (Double(done) / Double(total) * 1000).rounded() / 10)
        }
        return JobProgress(
            percent: percent, downloadedBytes: downloadedBytes, totalBytes: totalBytes, speedBps: speedBps,
            etaSeconds: etaSeconds)
    }
}
