import CoreMetrics
import Foundation
import Logging
import Prometheus
import SpoolCore
import SpoolFiles
import SpoolPipeline
import SpoolStore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The service's metrics: swift-metrics instruments owned by this value, backed by its own Prometheus
/// registry, plus gauges read from the database and `RunningTools` when the exposition is written
/// (`MetricsService`).
///
/// Made once by `spool serve` when metrics are on and handed to the services that record; without one
/// (metrics off, or the daemon run in-process by tests) nothing is recorded.
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
/// | `spool_uploaded_bytes_total` | counter | bytes sent to the bucket (`publish_to`, docs/publishing.md) |
/// | `spool_upload_failures_total` | counter | jobs that ended Failed in their upload step |
package final class SpoolMetrics: Sendable {
    /// What the hooks keep between writes.
    struct State: Sendable {
        /// Job → bytes reported so far by the current download (yt-dlp restarts at 0 per format).
        var downloaded: [String: Int64] = [:]
        /// Bumped by every hook that may change the exposition; the writer skips a write when it has not moved.
        var generation: UInt64 = 0
        /// Job attempts running now (started by the scheduler, not yet ended): tools can run only during one.
        var runningAttempts = 0
        /// Jobs in their upload step, and the bytes their current transfer has reported.
        var uploaded: [String: Int64] = [:]
    }

    static let latencyBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    /// Where the exposition is written (node_exporter's textfile collector reads it).
    package let file: String
    /// How often it is rewritten while something changes.
    package let interval: Duration
    let registry: PrometheusCollectorRegistry
    /// The tool processes running now, counted by the tool runner.
    let tools: RunningTools
    let state = Mutex(State())

    let jobsEnded: [JobStatus: CoreMetrics.Counter]
    let batchFiles: [String: CoreMetrics.Counter]
    let downloadedBytes: CoreMetrics.Counter
    let retries: CoreMetrics.Counter
    let receiptLatency: CoreMetrics.Timer
    let uploadedBytes: CoreMetrics.Counter
    let uploadFailures: CoreMetrics.Counter
    /// In a cluster: this node's name, a label on every sample (MetricsNodeLabel.swift); nil on one node.
    package let node: String?

    /// Creates every instrument in a registry of its own; every series exists from the start, at zero (a
    /// dashboard sees 0, not "no data").
    package init(file: String, interval: Duration, tools: RunningTools = .shared, node: String? = nil) {
        self.file = file
        self.node = node
        self.interval = interval
        self.tools = tools
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["spool_receipt_latency_seconds"] = Self.latencyBuckets
        var ended: [JobStatus: CoreMetrics.Counter] = [:]
        for status in JobStatus.allCases where status.isTerminal {
            ended[status] = CoreMetrics.Counter(
                label: "spool_jobs_ended_total", dimensions: [("status", status.rawValue)], factory: factory)
            ended[status]?.increment(by: 0)
        }
        jobsEnded = ended
        var files: [String: CoreMetrics.Counter] = [:]
        for outcome in ["accepted", "cached", "rejected"] {
            files[outcome] = CoreMetrics.Counter(
                label: "spool_batch_files_total", dimensions: [("outcome", outcome)], factory: factory)
            files[outcome]?.increment(by: 0)
        }
        batchFiles = files
        downloadedBytes = CoreMetrics.Counter(label: "spool_downloaded_bytes_total", factory: factory)
        downloadedBytes.increment(by: 0)
        retries = CoreMetrics.Counter(label: "spool_retries_total", factory: factory)
        retries.increment(by: 0)
        receiptLatency = CoreMetrics.Timer(label: "spool_receipt_latency_seconds", factory: factory)
        uploadedBytes = CoreMetrics.Counter(label: "spool_uploaded_bytes_total", factory: factory)
        uploadedBytes.increment(by: 0)
        uploadFailures = CoreMetrics.Counter(label: "spool_upload_failures_total", factory: factory)
        uploadFailures.increment(by: 0)
    }

    // MARK: - Hooks

    /// Something the exposition shows has changed (the database, a counter): the next write is due. Call it
    /// after the change, so a write that read the generation before it is followed by another.
    package func changed() {
        state.withLock { $0.generation &+= 1 }
    }

    /// Scheduler: a job attempt begins (its tools may run from now on).
    package func attemptStarted() {
        state.withLock { s in
            s.runningAttempts += 1
            s.generation &+= 1
        }
    }

    /// Scheduler: a job attempt is over (its tools have exited).
    package func attemptEnded() {
        state.withLock { s in
            s.runningAttempts = max(0, s.runningAttempts - 1)
            s.generation &+= 1
        }
    }

    /// Scheduler: a progress or step report of a running job.
    package func progress(_ report: JobReport, jobID: String) {
        if uploadProgress(report, jobID: jobID) { return }
        guard case .progress(let p) = report, let bytes = p.downloadedBytes, bytes >= 0 else {
            changed()
            return
        }
        let delta: Int64 = state.withLock { s in
            let last = s.downloaded[jobID] ?? 0
            s.downloaded[jobID] = bytes
            return bytes >= last ? bytes - last : bytes
        }
        if delta > 0 { downloadedBytes.increment(by: delta) }
        // After the change: a writer that read the generation before it will see it move and write again.
        changed()
    }

    /// Scheduler: a job's attempt ended (terminal, waiting for a retry, or back to the queue).
    package func jobEnded(_ job: JobRecord) {
        let wasUploading = state.withLock {
            _ = $0.downloaded.removeValue(forKey: job.id)
            return $0.uploaded.removeValue(forKey: job.id) != nil
        }
        if job.status == .failed && job.step != .cancelled && wasUploading { uploadFailures.increment() }
        if job.status.isTerminal {
            jobsEnded[job.status]?.increment()
        } else if job.status == .processing && job.step == .waiting {
            retries.increment()
        }
        changed()
    }

    /// When a file appeared in the inbox: its ctime (a rename into the inbox or the last write sets it).
    package func dropTime(ofFile path: String) -> Date? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return Date(timeIntervalSince1970: Double(st.st_ctim.tv_sec) + Double(st.st_ctim.tv_nsec) / 1e9)
    }

    /// Ingestor: an inbox file was answered (or ignored).
    package func ingested(_ outcome: Ingestor.Outcome, droppedAt: Date?) {
        let name: String
        switch outcome {
        case .accepted: name = "accepted"
        case .cached: name = "cached"
        case .rejected: name = "rejected"
        case .ignored: return
        }
        batchFiles[name]?.increment()
        if let droppedAt {
            let seconds = max(0, Date().timeIntervalSince(droppedAt))
            receiptLatency.recordNanoseconds(Int64(seconds * 1e9))
        }
        changed()
    }

    /// Whether the exposition must be rewritten every interval (a job attempt or a tool is running), and the
    /// generation it is at; read before the exposition, so a change made while it is taken is seen next time.
    var pulse: (generation: UInt64, active: Bool) {
        let (generation, attempts) = state.withLock { ($0.generation, $0.runningAttempts) }
        return (generation, attempts > 0 || !tools.snapshot.isEmpty)
    }

    // MARK: - Exposition

    /// The whole exposition: the registry's instruments, then the gauges read now.
    package func exposition(store: any StoreEngine) async -> String {
        let text = registry.emitToString() + (await snapshot(store: store))
        return node.map { MetricsNodeLabel.labelled(text, node: $0) } ?? text
    }

    /// Gauges read at write time, in Prometheus text format (with HELP and TYPE).
    func snapshot(store: any StoreEngine) async -> String {
        var lines: [String] = []
        // Aggregates in SQL: decoding every job every few seconds cost ~300 MiB with 100,000 jobs.
        if let counts = try? await store.countJobsByStatus(), let queued = try? await store.countQueuedJobs() {
            lines.append("# HELP spool_jobs Jobs in the database by status.")
            lines.append("# TYPE spool_jobs gauge")
            for status in JobStatus.allCases {
                lines.append("spool_jobs{status=\"\(status.rawValue)\"} \(counts[status] ?? 0)")
            }
            lines.append("# HELP spool_queue_depth Jobs waiting to run: Pending, and retries waiting for their time.")
            lines.append("# TYPE spool_queue_depth gauge")
            lines.append("spool_queue_depth \(queued)")
        }
        let running = tools.snapshot
        lines.append("# HELP spool_running_tools External tools running now, by program.")
        lines.append("# TYPE spool_running_tools gauge")
        for tool in ["yt-dlp", "ffmpeg", "ffprobe"] {
            lines.append("spool_running_tools{tool=\"\(tool)\"} \(running[tool] ?? 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Ingestor {
    /// `ingest(names:)`, with the batch-file counters and the drop → receipt latency recorded in `metrics`.
    package func ingestMeasured(names: [String], metrics: SpoolMetrics?) async -> [Outcome] {
        guard let metrics else { return await ingest(names: names) }
        let dropped = names.map { metrics.dropTime(ofFile: paths.inbox + "/" + $0) }
        let outcomes = await ingest(names: names)
        for (outcome, time) in zip(outcomes, dropped) { metrics.ingested(outcome, droppedAt: time) }
        return outcomes
    }
}
