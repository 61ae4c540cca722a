import CoreMetrics
import Foundation
import Logging
import Prometheus
import SpoolCore
import SpoolInbox
import SpoolPipeline
import SpoolStore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The service's metrics: swift-metrics instruments backed by a Prometheus registry, plus gauges
/// read from the database and /proc when the exposition is written (`MetricsWriter`).
///
/// Nothing is recorded until `bootstrap` (called once by `spool serve`); in tests that run the
/// daemon in-process the hooks are no-ops.
///
/// | metric | type | what |
/// |---|---|---|
/// | `spool_jobs{status}` | gauge | jobs in the database by status (matches `jobs/*.json`) |
/// | `spool_queue_depth` | gauge | jobs waiting to run: Pending plus retries waiting for their time |
/// | `spool_running_tools{tool}` | gauge | yt-dlp, ffmpeg, ffprobe processes running now |
/// | `spool_jobs_ended_total{status}` | counter | jobs that reached a terminal status since start |
/// | `spool_batch_files_total{outcome}` | counter | inbox files answered: accepted, cached, rejected |
/// | `spool_receipt_latency_seconds` | histogram | drop (the file's ctime in the inbox) → receipt written |
/// | `spool_downloaded_bytes_total` | counter | bytes reported by the downloader |
/// | `spool_retries_total` | counter | technical failures scheduled for a retry |
package enum SpoolMetrics {
    struct State: Sendable {
        var registry: PrometheusCollectorRegistry?
        var file: String?
        var interval: Double = 5
        /// Job → bytes reported so far by the current download (yt-dlp restarts at 0 per format).
        var downloaded: [String: Int64] = [:]
    }

    static let state = Mutex(State())

    static let latencyBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    /// Installs the Prometheus backend once per process and remembers where to write the exposition.
    package static func bootstrap(file: String, interval: Double) {
        let registry: PrometheusCollectorRegistry? = state.withLock { s in
            s.file = file
            s.interval = interval
            if s.registry != nil { return nil }
            let registry = PrometheusCollectorRegistry()
            s.registry = registry
            return registry
        }
        guard let registry else { return }
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["spool_receipt_latency_seconds"] = latencyBuckets
        MetricsSystem.bootstrap(factory)
        // Every series exists from the start, at zero: a dashboard sees 0, not "no data".
        for status in JobStatus.allCases where status.isTerminal {
            CoreMetrics.Counter(label: "spool_jobs_ended_total", dimensions: [("status", status.rawValue)]).increment(by: 0)
        }
        for outcome in ["accepted", "cached", "rejected"] {
            CoreMetrics.Counter(label: "spool_batch_files_total", dimensions: [("outcome", outcome)]).increment(by: 0)
        }
        CoreMetrics.Counter(label: "spool_downloaded_bytes_total").increment(by: 0)
        CoreMetrics.Counter(label: "spool_retries_total").increment(by: 0)
        _ = CoreMetrics.Timer(label: "spool_receipt_latency_seconds")
    }

    static var registry: PrometheusCollectorRegistry? { state.withLock { $0.registry } }
    static var enabled: Bool { registry != nil }

    // MARK: - Hooks

    /// Scheduler: a progress or step report of a running job.
    package static func progress(_ report: JobReport, jobID: String) {
        guard enabled, case .progress(let p) = report, let bytes = p.downloadedBytes, bytes >= 0 else { return }
        let delta: Int64 = state.withLock { s in
            let last = s.downloaded[jobID] ?? 0
            s.downloaded[jobID] = bytes
            return bytes >= last ? bytes - last : bytes
        }
        if delta > 0 { CoreMetrics.Counter(label: "spool_downloaded_bytes_total").increment(by: delta) }
    }

    /// Scheduler: a job's attempt ended (terminal, waiting for a retry, or back to the queue).
    package static func jobEnded(_ job: JobRecord) {
        guard enabled else { return }
        state.withLock { _ = $0.downloaded.removeValue(forKey: job.id) }
        if job.status.isTerminal {
            CoreMetrics.Counter(label: "spool_jobs_ended_total", dimensions: [("status", job.status.rawValue)]).increment()
        } else if job.status == .processing && job.step == .waiting {
            CoreMetrics.Counter(label: "spool_retries_total").increment()
        }
    }

    /// When a file appeared in the inbox: its ctime (a rename into the inbox or the last write sets it).
    package static func dropTime(ofFile path: String) -> Date? {
        guard enabled else { return nil }
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return Date(timeIntervalSince1970: Double(st.st_ctim.tv_sec) + Double(st.st_ctim.tv_nsec) / 1e9)
    }

    /// Ingestor: an inbox file was answered (or ignored).
    package static func ingested(_ outcome: Ingestor.Outcome, droppedAt: Date?) {
        guard enabled else { return }
        let name: String
        switch outcome {
        case .accepted: name = "accepted"
        case .cached: name = "cached"
        case .rejected: name = "rejected"
        case .ignored: return
        }
        CoreMetrics.Counter(label: "spool_batch_files_total", dimensions: [("outcome", name)]).increment()
        if let droppedAt {
            let seconds = max(0, Date().timeIntervalSince(droppedAt))
            CoreMetrics.Timer(label: "spool_receipt_latency_seconds").recordNanoseconds(Int64(seconds * 1e9))
        }
    }

    // MARK: - Exposition

    /// The whole exposition: the registry's instruments, then the gauges read now.
    static func exposition(store: Store) -> String? {
        guard let registry else { return nil }
        var text = registry.emitToString()
        text += snapshot(store: store)
        return text
    }

    /// Gauges read at write time, in Prometheus text format (with HELP and TYPE).
    static func snapshot(store: Store) -> String {
        var lines: [String] = []
        // Aggregates in SQL: decoding every job every few seconds cost ~300 MiB with 100,000 jobs.
        if let counts = try? store.jobCounts(), let queued = try? store.queueDepth() {
            lines.append("# HELP spool_jobs Jobs in the database by status.")
            lines.append("# TYPE spool_jobs gauge")
            for status in JobStatus.allCases {
                lines.append("spool_jobs{status=\"\(status.rawValue)\"} \(counts[status] ?? 0)")
            }
            lines.append("# HELP spool_queue_depth Jobs waiting to run: Pending, and retries waiting for their time.")
            lines.append("# TYPE spool_queue_depth gauge")
            lines.append("spool_queue_depth \(queued)")
        }
        let tools = runningTools()
        lines.append("# HELP spool_running_tools External tools running now, by program.")
        lines.append("# TYPE spool_running_tools gauge")
        for tool in ["yt-dlp", "ffmpeg", "ffprobe"] {
            lines.append("spool_running_tools{tool=\"\(tool)\"} \(tools[tool] ?? 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// This process's direct children by program name, from /proc (yt-dlp's own children not included).
    static func runningTools() -> [String: Int] {
        let me = getpid()
        var counts: [String: Int] = [:]
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return counts }
        for entry in entries where entry.first?.isNumber == true {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == me else { continue }
            let comm = String(stat[stat.index(after: open)..<close])
            let name = comm.hasPrefix("yt-dlp") || comm.hasPrefix("yt_dlp") ? "yt-dlp" : comm
            counts[name, default: 0] += 1
        }
        return counts
    }
}

/// Writes `<root>/metrics.prom` atomically every few seconds, for node_exporter's textfile collector.
package struct MetricsWriter: Sendable {
    package var store: Store
    package var logger: Logger

    package init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Until cancelled; does nothing when metrics are off.
    package func run() async {
        let (file, interval) = SpoolMetrics.state.withLock { ($0.file, $0.interval) }
        guard file != nil, SpoolMetrics.enabled, interval > 0 else { return }
        while !Task.isCancelled {
            writeNow()
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
        }
    }

    /// One exposition, now (also called once more at shutdown).
    package func writeNow() {
        guard let file = SpoolMetrics.state.withLock({ $0.file }),
            let text = SpoolMetrics.exposition(store: store)
        else { return }
        do {
            try AtomicFile.write(Data(text.utf8), to: file)
        } catch {
            logger.warning("metrics not written", metadata: ["path": "\(file)", "error": "\(error)"])
        }
    }
}

extension Ingestor {
    /// `ingest(name:)`, with the batch-file counters and the drop → receipt latency recorded.
    package func ingestMeasured(name: String) -> Outcome {
        let dropped = SpoolMetrics.dropTime(ofFile: paths.inbox + "/" + name)
        let outcome = ingest(name: name)
        SpoolMetrics.ingested(outcome, droppedAt: dropped)
        return outcome
    }
}
