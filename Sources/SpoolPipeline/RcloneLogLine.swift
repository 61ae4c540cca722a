import Foundation
import SpoolCore

/// One line of rclone's `--use-json-log` output (stderr): a transfer's stats or a message with its level.
package enum RcloneLogLine: Sendable, Equatable {
    /// `--stats` lines: bytes sent so far, the total, the current speed in bytes per second.
    case stats(bytes: Int64, totalBytes: Int64, speed: Double)
    /// An `error` (or `critical`) message: what went wrong.
    case error(String)
    /// Anything else (info, notice).
    case other

    /// Parses one line; nil when it is not JSON (rclone prints nothing else with `--use-json-log`).
    package static func parse(_ line: String) -> RcloneLogLine? {
        guard line.first == "{", let data = line.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        if let stats = object["stats"] as? [String: Any] {
            let bytes = (stats["bytes"] as? NSNumber)?.int64Value ?? 0
            let total = (stats["totalBytes"] as? NSNumber)?.int64Value ?? 0
            // `speed` is the average over the transfer; the per-file entry carries the current one.
            let current = (stats["transferring"] as? [[String: Any]])?.first?["speed"] as? NSNumber
            let speed = current?.doubleValue ?? (stats["speed"] as? NSNumber)?.doubleValue ?? 0
            return .stats(bytes: bytes, totalBytes: total, speed: speed)
        }
        let level = object["level"] as? String ?? ""
        let message = object["msg"] as? String ?? ""
        if level == "error" || level == "critical" { return .error(message) }
        return .other
    }

    /// The upload's progress as the status file shows it.
    package var progress: JobProgress? {
        guard case .stats(let bytes, let total, let speed) = self, total > 0 else { return nil }
        let percent = (Double(bytes) / Double(total) * 1000).rounded() / 10
        let eta = speed > 0 ? (Double(total - bytes) / speed).rounded() : nil
        return JobProgress(
            percent: min(100, percent), downloadedBytes: bytes, totalBytes: total, speedBps: speed.rounded(),
            etaSeconds: eta)
    }
}
