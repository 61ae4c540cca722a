import SpoolCore

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
