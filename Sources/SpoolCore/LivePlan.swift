import Foundation

/// The pure parts of recording a live stream (SPEC §3 `live_recording`, `live_from_start`,
/// `max_duration`, `wait_for_video`): the probe and recording invocations, what the probe says,
/// how progress is read, why a recording stopped.
package enum LivePlan {
    /// yt-dlp's `--live-from-start` only works for these extractors; elsewhere it is a hard error
    /// (yt-dlp-lab §4), so the recording starts at the live edge and the status says so.
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
    /// A recording's progress (SPEC §5 `{recorded_s, max_duration_s}`).
    package init(recordedSeconds: Double, maxDurationSeconds: Double?) {
        self.init()
        self.recordedSeconds = recordedSeconds
        self.maxDurationSeconds = maxDurationSeconds
    }
}
