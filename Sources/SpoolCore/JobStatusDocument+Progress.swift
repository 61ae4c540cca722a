import Foundation

extension JobStatusDocument {
    /// `progress` of a Processing job (folder-contract §5): a download's figures, or a live recording's
    /// `recorded_s` and `max_duration_s`. Unknown figures are `null`.
    package struct Progress: Codable, Sendable, Equatable {
        package var percent: Double?
        package var downloadedBytes: Int64?
        package var totalBytes: Int64?
        package var speedBps: Double?
        package var etaSeconds: Double?
        /// Set for a live recording, which writes only this and `maxDurationSeconds`.
        package var recordedSeconds: Double?
        package var maxDurationSeconds: Double?

        package init(
            percent: Double? = nil, downloadedBytes: Int64? = nil, totalBytes: Int64? = nil, speedBps: Double? = nil,
            etaSeconds: Double? = nil, recordedSeconds: Double? = nil, maxDurationSeconds: Double? = nil
        ) {
            self.percent = percent
            self.downloadedBytes = downloadedBytes
            self.totalBytes = totalBytes
            self.speedBps = speedBps
            self.etaSeconds = etaSeconds
            self.recordedSeconds = recordedSeconds
            self.maxDurationSeconds = maxDurationSeconds
        }

        enum CodingKeys: String, CodingKey {
            case percent
            case downloadedBytes = "downloaded_bytes"
            case totalBytes = "total_bytes"
            case speedBps = "speed_bps"
            case etaSeconds = "eta_s"
            case recordedSeconds = "recorded_s"
            case maxDurationSeconds = "max_duration_s"
        }

        package func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            if let recordedSeconds {
                try c.encode(recordedSeconds, forKey: .recordedSeconds)
                try c.encodeOrNull(maxDurationSeconds, forKey: .maxDurationSeconds)
                return
            }
            try c.encodeOrNull(percent, forKey: .percent)
            try c.encodeOrNull(downloadedBytes, forKey: .downloadedBytes)
            try c.encodeOrNull(totalBytes, forKey: .totalBytes)
            try c.encodeOrNull(speedBps, forKey: .speedBps)
            try c.encodeOrNull(etaSeconds, forKey: .etaSeconds)
        }
    }
}
