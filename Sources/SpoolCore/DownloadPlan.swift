import Foundation

/// The yt-dlp invocation for one job (SPEC §9: `--ignore-config`, no user-controlled options,
/// the URL after `--`). Pure: the runner only executes what this returns.
package struct DownloadPlan: Sendable, Equatable {
    package var arguments: [String]

    /// Where yt-dlp writes the final media path and the metadata JSON inside the work directory.
    package static let finalPathFile = "final-path.txt"
    package static let infoFile = "info.json"
    package static let progressPrefix = "@@P "

    package init(url: String, options: JobOptions, workDirectory: String, socketTimeout: Int, subtitleLanguages: [String]?) {
        var args = [
            "--ignore-config", "--no-cache-dir", "--newline", "--progress", "--color", "never",
            "--socket-timeout", String(socketTimeout), "--retries", "0", "--fragment-retries", "3",
            "--abort-on-unavailable-fragments", "--no-playlist", "--playlist-items", "1", "--no-mtime",
            "--no-part",
            "-P", workDirectory, "-P", "temp:\(workDirectory)/.tmp", "-o", "media.%(ext)s",
            "--print-to-file", "after_move:%(filepath)s", "\(workDirectory)/\(Self.finalPathFile)",
            "--print-to-file",
            "video:%(.{id,title,description,upload_date,release_date,release_timestamp,timestamp,duration,"
                + "vcodec,acodec,width,height,is_live,live_status,extractor_key})j",
            "\(workDirectory)/\(Self.infoFile)",
            "--progress-template",
            "download:\(Self.progressPrefix)%(progress.status)s %(progress.downloaded_bytes)s "
                + "%(progress.total_bytes)s %(progress.total_bytes_estimate)s %(progress.speed)s %(progress.eta)s",
            "--merge-output-format", "mkv",
        ]
        if options.audioOnly {
            args += ["-f", "ba/b"]
        } else {
            args += ["-f", "bv*+ba/b"]
        }
        // `-S res:N` sorts and never fails when heights are unknown; the cap is enforced after download.
        if options.qualityPreset == "lowest" {
            args += ["-S", "+res,+br"]
        } else if let cap = options.heightCap {
            args += ["-S", "res:\(cap)"]
        }
        if options.downloadSubtitles {
            let langs = subtitleLanguages.map { $0.joined(separator: ",") } ?? "all"
            args += ["--write-subs", "--sub-langs", langs, "--convert-subs", "vtt"]
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
}

/// One parsed `@@P` progress line of yt-dlp.
package struct DownloadProgressLine: Sendable, Equatable {
    package var status: String
    package var downloadedBytes: Int64?
    package var totalBytes: Int64?
    package var speedBps: Double?
    package var etaSeconds: Double?

    /// Parses a line produced by `DownloadPlan`'s progress template; nil for any other line.
    package static func parse(_ line: String) -> DownloadProgressLine? {
        guard line.hasPrefix(DownloadPlan.progressPrefix) else { return nil }
        let fields = line.dropFirst(DownloadPlan.progressPrefix.count).split(separator: " ").map(String.init)
        guard fields.count >= 6 else { return nil }
        func int(_ s: String) -> Int64? { Double(s).map { Int64($0) } }
        let total = int(fields[2]) ?? int(fields[3])
        return DownloadProgressLine(
            status: fields[0], downloadedBytes: int(fields[1]), totalBytes: total,
            speedBps: Double(fields[4]), etaSeconds: Double(fields[5]))
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
