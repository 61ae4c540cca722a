import Foundation
import SpoolCore

/// A classified tool failure: what the status says and whether it is worth another try.
package struct FailureClass: Sendable, Equatable {
    package var message: String
    package var type: ErrorType
    package var retryable: Bool
    /// `wait_for_video`: the stream has not started yet; the scheduler looks again later, up to
    /// its wait limit, instead of ending the job (folder-contract §3).
    package var awaitingStart: Bool = false

    package init(message: String, type: ErrorType, retryable: Bool) {
        self.message = message
        self.type = type
        self.retryable = retryable
    }
}

/// Maps yt-dlp's error output to plain sentences (tool names never leak) and to
/// content (`warning`, not retried) versus technical (`error`, retried) failures.
package enum ErrorClassifier {
    private static let rules: [(pattern: String, FailureClass)] = [
        (
            "HTTP Error 404|HTTP Error 410",
            FailureClass(
                message: "The video was not found at this URL (HTTP 404/410).", type: .warning, retryable: false)
        ),
        (
            "HTTP Error 40[13]",
            FailureClass(message: "Access to the video was refused (HTTP 401/403).", type: .warning, retryable: false)
        ),
        (
            "[Pp]rivate video|This video is private",
            FailureClass(message: "The video is private.", type: .warning, retryable: false)
        ),
        (
            "[Vv]ideo unavailable|has been removed|no longer available",
            FailureClass(message: "The video has been removed or is unavailable.", type: .warning, retryable: false)
        ),
        (
            "available in your country|geo.?restrict",
            FailureClass(message: "The video is not available from this location.", type: .warning, retryable: false)
        ),
        (
            "[Mm]embers.only|requires a subscription",
            FailureClass(message: "The video is for members only.", type: .warning, retryable: false)
        ),
        (
            "HTTP Error 429",
            FailureClass(message: "The site is rate limiting requests (HTTP 429).", type: .error, retryable: true)
        ),
        (
            "HTTP Error 5\\d\\d",
            FailureClass(message: "The site answered with a server error (HTTP 5xx).", type: .error, retryable: true)
        ),
        (
            "Connection refused",
            FailureClass(message: "The connection to the site was refused.", type: .error, retryable: true)
        ),
        (
            "[Tt]imed out|timeout",
            FailureClass(message: "The site did not answer in time.", type: .error, retryable: true)
        ),
        (
            "Name or service not known|Temporary failure in name resolution|No address associated",
            FailureClass(message: "The site's host name could not be resolved.", type: .error, retryable: true)
        ),
        (
            "SSL:|CERTIFICATE",
            FailureClass(message: "The secure connection to the site failed.", type: .error, retryable: false)
        ),
        (
            "Unsupported URL",
            FailureClass(
                message: "No video was found at this URL (unsupported site or page).", type: .warning,
                retryable: false)
        ),
        (
            "No video formats found|Requested format is not available",
            FailureClass(
                message: "The page offers no downloadable video in a usable format.", type: .warning,
                retryable: false)
        ),
        (
            "fragment \\d+ not found|[Uu]nable to download fragment",
            FailureClass(message: "Part of the stream could not be downloaded.", type: .error, retryable: true)
        ),
    ]

    /// Classifies a failed download from its exit code and stderr lines.
    package static func classifyDownload(exitCode: Int32?, signal: Int32?, stderr: [String]) -> FailureClass {
        let errors = stderr.filter { $0.hasPrefix("ERROR") }
        let text = (errors.isEmpty ? stderr : errors).joined(separator: "\n")
        for (pattern, failure) in rules where text.range(of: pattern, options: .regularExpression) != nil {
            return failure
        }
        if exitCode == 101 {
            return FailureClass(
                message: "The URL is a live stream; set live_recording to record it.", type: .warning, retryable: false)
        }
        if signal != nil || (exitCode ?? 0) >= 128 {
            return FailureClass(message: "The download was stopped unexpectedly.", type: .error, retryable: true)
        }
        return FailureClass(message: "The download failed: \(sanitize(lastError(text)))", type: .error, retryable: true)
    }

    /// The last error line without the tool's prefixes, for the unknown case.
    /// One plain sentence: no `(caused by …)` chain, no "please report" advice, no bug-tracker
    /// URLs, the video ID prefix dropped, ending with a period.
    static func lastError(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        var cleaned = line.replacingOccurrences(of: "ERROR: ", with: "")
        if let r = cleaned.range(of: #"^\[[^\]]+\] "#, options: .regularExpression) { cleaned.removeSubrange(r) }
        for pattern in [
            #"\s*\(caused by .*$"#, #"[;.]?\s*please report this issue.*$"#,
            #"\s*Confirm you are on the latest version.*$"#, #"https?://\S+"#,
        ] {
            if let r = cleaned.range(of: pattern, options: [.regularExpression, .caseInsensitive]) {
                cleaned.removeSubrange(r)
            }
        }
        // "<id>: message" → "message" when the prefix is a bare identifier.
        if let r = cleaned.range(of: #"^[A-Za-z0-9_-]{1,64}: "#, options: .regularExpression) {
            cleaned.removeSubrange(r)
        }
        cleaned = cleaned.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        while let last = cleaned.last, ".;:,".contains(last) { cleaned.removeLast() }
        guard !cleaned.isEmpty else { return "no reason was given." }
        if cleaned.count > 300 { cleaned = String(cleaned.prefix(300)) + "…" }
        return cleaned.first!.lowercased() + cleaned.dropFirst() + "."
    }

    /// Internal tool names are rewritten, as the hosted API does.
    package static func sanitize(_ text: String) -> String {
        var out = text
        for name in ["yt-dlp", "YT-DLP", "yt_dlp", "youtube-dl", "ffmpeg", "ffprobe", "FFmpeg"] {
            out = out.replacingOccurrences(
                of: name, with: name.lowercased().hasPrefix("ff") ? "converter" : "downloader")
        }
        return out
    }
}
