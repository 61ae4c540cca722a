import Foundation

/// The pure parts of recording a live stream (folder-contract §3 `live_recording`, `live_from_start`,
/// `max_duration`, `wait_for_video`): the probe and recording invocations, what the probe says,
/// how progress is read, why a recording stopped.
package enum LivePlan {
    /// yt-dlp's `--live-from-start` only works for these extractors; elsewhere it is a hard error
    /// (tool-behaviour §1), so the recording starts at the live edge and the status says so.
    package static let fromStartExtractors: Set<String> = ["youtube", "twitch", "twitchstream", "tver", "mellowfan"]

    /// The metadata probe (`-J`, nothing downloaded): is the URL live, which extractor, the title.
    package static func probeArguments(url: String, socketTimeout: Int) -> [String] {
        [
            "--ignore-config", "--no-cache-dir", "--color", "never", "--socket-timeout", String(socketTimeout),
            "--no-playlist", "--playlist-items", "1", "-J", "--", url,
        ]
    }

    /// The recording: the job's download invocation (which, with `live_recording`, carries no
    /// `!is_live` filter), bounded by `max_duration` (`--download-sections *0-D` becomes ffmpeg's
    /// `-t D`, so the file is finalised at exactly D seconds) and recording from the start where
    /// the extractor supports it.
    package static func recordArguments(download: [String], maxDuration: Int?, fromStart: Bool) -> [String] {
        var extra: [String] = []
        if let maxDuration { extra += ["--download-sections", "*0-\(maxDuration)"] }
        if fromStart { extra.append("--live-from-start") }
        guard let dash = download.lastIndex(of: "--") else { return download + extra }
        var args = download
        args.insert(contentsOf: extra, at: dash)
        return args
    }

    /// The recording after a reconnect (one more part of the same recording): the first part's
    /// argv with every path in the work directory moved into the part's own directory (so its
    /// media, `final-path.txt`, `info.json` and temporary files do not meet the first part's), the
    /// cap lowered to what is left of `max_duration`, and no `--live-from-start` (the part starts
    /// at the live edge; from the start would record the stream again). The URL is untouched.
    package static func reconnectArguments(
        record: [String], workDirectory: String, partDirectory: String, remainingSeconds: Double?
    ) -> [String] {
        let dash = record.lastIndex(of: "--") ?? record.endIndex
        var options: [String] = []
        var index = record.startIndex
        while index < dash {
            let arg = record[index]
            index += 1
            if arg == "--live-from-start" { continue }
            if arg == "--download-sections", index < dash {
                index += 1
                continue
            }
            options.append(movedPath(arg, from: workDirectory, to: partDirectory))
        }
        if let remainingSeconds { options += ["--download-sections", "*0-\(sectionEnd(remainingSeconds))"] }
        return options + record[dash...]
    }

    /// `arg` with a leading work directory (bare, as a path prefix, or after yt-dlp's `type:` in
    /// `-P temp:DIR`) replaced by the part's directory.
    private static func movedPath(_ arg: String, from work: String, to part: String) -> String {
        if arg == work { return part }
        if arg.hasPrefix(work + "/") { return part + String(arg.dropFirst(work.count)) }
        if let colon = arg.firstIndex(of: ":"), !arg[..<colon].contains("/") {
            let value = String(arg[arg.index(after: colon)...])
            if value == work || value.hasPrefix(work + "/") {
                return String(arg[...colon]) + movedPath(value, from: work, to: part)
            }
        }
        return arg
    }

    /// Seconds for `--download-sections *0-S`: whole seconds as integers, else one decimal (rounded
    /// up, so the parts together reach the cap). yt-dlp accepts both (measured: `*0-6.5` gave 6.50 s).
    static func sectionEnd(_ seconds: Double) -> String {
        let tenths = (seconds * 10).rounded(.up) / 10
        return tenths == tenths.rounded() ? String(Int(tenths)) : String(format: "%.1f", tenths)
    }

    /// What is left of `max_duration` after `recorded` seconds (nil: no cap).
    package static func remainingSeconds(maxDuration: Int?, recorded: Double) -> Double? {
        maxDuration.map { max(0, Double($0) - recorded) }
    }

    /// Signs in the recorder's last stderr lines that it ended because the server failed or went
    /// away, not because the stream ended. Measured (tool-behaviour §1 generator, ffmpeg 5.1 via
    /// yt-dlp): a playlist answering 503 makes ffmpeg log `HTTP error 503`, `Server returned 5XX`
    /// and `Failed to reload playlist 0`, then end as if at the end of the stream (exit 0, the file
    /// finalised); a restart during the outage fails in about 1 s with `ERROR: … HTTP Error 503`.
    package static let lostStreamPatterns = [
        "Failed to reload playlist", "Server returned 5", "HTTP error 5", "HTTP Error 5", "HTTP Error 429",
        "Connection refused", "Connection reset", "Connection timed out", "timed out", "Network is unreachable",
        "Failed to open segment", "Unable to download webpage", "Unable to open resource", "Input/output error",
    ]

    /// Whether a recorder that exited (by itself) lost the stream: a non-zero exit, or server or
    /// connection errors among its last stderr lines. A stream that ends with `#EXT-X-ENDLIST`
    /// makes ffmpeg stop cleanly with none of them.
    package static func lostStream(exitCode: Int32?, stderr: [String]) -> Bool {
        if exitCode != 0 { return true }
        return stderr.suffix(10).contains { line in lostStreamPatterns.contains { line.contains($0) } }
    }

    /// What to do when one part of a recording has ended.
    package enum AfterPart: Sendable, Equatable {
        /// The recording is over (stopped, capped, the stream ended, or nothing was ever recorded).
        case finish
        /// Start the recorder again, into a new part.
        case reconnect
        /// The stream was lost and has sent nothing for the whole reconnect grace: end as today.
        case lost
    }

    /// The reconnect decision (issue 5): a recorder that exited by itself because the stream was
    /// lost is started again while the grace (counted from the last new media) lasts, as long as
    /// something was recorded, no stop was asked for and `max_duration` leaves at least a second.
    /// A part that recorded nothing (a restart the server refused) counts as lost.
    package static func afterPart(
        stopRequested: Bool, exitCode: Int32?, stderr: [String], partRecorded: Double, totalRecorded: Double,
        maxDuration: Int?, sinceLastMedia: Double, grace: Double
    ) -> AfterPart {
        if stopRequested || totalRecorded <= 0 { return .finish }
        if let left = remainingSeconds(maxDuration: maxDuration, recorded: totalRecorded), left < 1 { return .finish }
        if partRecorded > 0 && !lostStream(exitCode: exitCode, stderr: stderr) { return .finish }
        return sinceLastMedia < grace ? .reconnect : .lost
    }

    /// The concat demuxer's list of parts (`ffconcat`), each path quoted: a `'` inside becomes `'\''`.
    package static func concatList(parts: [String]) -> String {
        "ffconcat version 1.0\n"
            + parts.map { "file '" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'\n" }.joined()
    }

    /// ffmpeg joining the parts listed in `list` into `output` without re-encoding (an argv, never
    /// a shell). `-safe 0`: the list holds absolute paths (spool's own work directory). With
    /// `maxDuration`, the joined file ends there (`-t`): a last part stopped by spool at the cap
    /// runs on until the recorder takes the signal (measured: up to a segment, 1 s, more).
    package static func joinArguments(list: String, output: String, maxDuration: Int? = nil) -> [String] {
        var args = [
            "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", list,
            "-map", "0", "-c", "copy",
        ]
        if let maxDuration { args += ["-t", String(maxDuration)] }
        let ext = (output as NSString).pathExtension.lowercased()
        if ["mp4", "m4a", "mov"].contains(ext) { args += ["-movflags", "+faststart"] }
        return args + [output]
    }

    /// Whether the extractor can record a live stream from its beginning.
    package static func supportsFromStart(extractorKey: String?) -> Bool {
        guard let key = extractorKey?.lowercased().filter({ $0.isLetter || $0.isNumber }) else { return false }
        return fromStartExtractors.contains(key)
    }

    /// The recorded media time in ffmpeg's progress output (`… time=00:00:04.01 bitrate=…`).
    package static func recordedSeconds(inLine line: String) -> Double? {
        guard let range = line.range(of: "time=", options: .backwards) else { return nil }
        let rest = line[range.upperBound...].prefix { $0 != " " }
        let parts = rest.split(separator: ":")
        guard parts.count == 3, let h = Double(parts[0]), let m = Double(parts[1]), let s = Double(parts[2]),
            h >= 0, m >= 0, s >= 0
        else { return nil }
        return h * 3600 + m * 60 + s
    }

    /// yt-dlp's error output for a stream that is not up yet: a playlist that answers 404/410
    /// (the generic extractor), or a site's "upcoming / scheduled / not live yet" message.
    package static func isNotStartedYet(stderr: [String]) -> Bool {
        let patterns = [
            "HTTP Error 404", "HTTP Error 410", "is_upcoming", "[Uu]pcoming", "will begin in", "[Pp]remieres in",
            "[Ss]cheduled", "live event will begin", "not currently live", "is offline", "has not started",
        ]
        let errors = stderr.filter { $0.contains("ERROR") }
        let lines = errors.isEmpty ? stderr : errors
        return lines.contains { line in
            patterns.contains { line.range(of: $0, options: .regularExpression) != nil }
        }
    }

    /// Why a recording ended: the caller's stop (shutdown), the watchdog (no data for the grace
    /// period, a stream gone without `#EXT-X-ENDLIST`), the cap, or the stream itself.
    package static func stoppedReason(
        shutdown: Bool, stalled: Bool, maxDuration: Int?, recordedSeconds: Double?
    ) -> String {
        if shutdown { return "shutdown" }
        if stalled { return "stream_ended" }
        if let maxDuration, let recorded = recordedSeconds, recorded >= Double(maxDuration) - 1.0 {
            return "max_duration"
        }
        return "stream_ended"
    }

    /// The delay before the next look at a stream that has not started: 2 s, growing by half each
    /// time, at most 60 s, never past the wait limit (so the last look happens at the limit).
    package static func pollDelay(poll: Int, remaining: Double) -> Double {
        let grown = 2.0 * pow(1.5, Double(max(0, poll - 1)))
        return max(0.5, min(60, grown, remaining))
    }

    /// The failure message of a stream that did not start within the limit.
    package static func waitLimitMessage(limitSeconds: Double) -> String {
        "The live stream did not start within the wait limit (wait_for_video_limit_s = \(formatSeconds(limitSeconds)))."
    }

    static func formatSeconds(_ s: Double) -> String {
        if s >= 3600, s.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(s / 3600)) h" }
        if s >= 60, s.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(s / 60)) min" }
        return s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}

/// What the `-J` probe says about a URL.
package struct LiveProbe: Sendable, Equatable {
    package var isLive: Bool
    package var liveStatus: String?
    package var extractorKey: String?
    package var title: String?

    package init(isLive: Bool, liveStatus: String? = nil, extractorKey: String? = nil, title: String? = nil) {
        self.isLive = isLive
        self.liveStatus = liveStatus
        self.extractorKey = extractorKey
        self.title = title
    }

    /// Parses yt-dlp's `-J` JSON (a playlist: its first entry); nil when it is not JSON.
    package init?(json: Data?) {
        guard let json, var object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            return nil
        }
        if object["_type"] as? String == "playlist", let first = (object["entries"] as? [[String: Any]])?.first {
            object = first
        }
        let status = object["live_status"] as? String
        isLive = (object["is_live"] as? Bool) == true || status == "is_live"
        liveStatus = status
        extractorKey = (object["extractor_key"] as? String) ?? (object["ie_key"] as? String)
        title = object["title"] as? String
    }

    /// A scheduled stream that has not started (a site that reports it as upcoming).
    package var isUpcoming: Bool { liveStatus == "is_upcoming" }
}

extension JobProgress {
    /// A recording's progress (folder-contract §5 `{recorded_s, max_duration_s}`).
    package init(recordedSeconds: Double, maxDurationSeconds: Double?) {
        self.init()
        self.recordedSeconds = recordedSeconds
        self.maxDurationSeconds = maxDurationSeconds
    }
}
