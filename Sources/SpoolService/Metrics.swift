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
        /// Bumped by every hook that may change the exposition; the writer skips a write when it has not moved.
        var generation: UInt64 = 0
        /// Job attempts running now (started by the scheduler, not yet ended): tools can run only during one.
        var runningAttempts = 0
        /// Tools found by the last look at this process's children.
        var toolsSeen = 0
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

    /// Something the exposition shows has changed (the database, a counter): the next write is due. Call it
    /// after the change, so a write that read the generation before it is followed by another.
    package static func changed() {
        state.withLock { $0.generation &+= 1 }
    }

    /// Scheduler: a job attempt begins (its tools may run from now on).
    package static func attemptStarted() {
        state.withLock { s in
            s.runningAttempts += 1
            s.generation &+= 1
        }
    }

    /// Scheduler: a job attempt is over (its tools have exited).
    package static func attemptEnded() {
        state.withLock { s in
            s.runningAttempts = max(0, s.runningAttempts - 1)
            s.generation &+= 1
        }
    }

    /// Scheduler: a progress or step report of a running job.
    package static func progress(_ report: JobReport, jobID: String) {
        guard enabled else { return }
        guard case .progress(let p) = report, let bytes = p.downloadedBytes, bytes >= 0 else {
            changed()
            return
        }
        let delta: Int64 = state.withLock { s in
            let last = s.downloaded[jobID] ?? 0
            s.downloaded[jobID] = bytes
            return bytes >= last ? bytes - last : bytes
        }
        if delta > 0 { CoreMetrics.Counter(label: "spool_downloaded_bytes_total").increment(by: delta) }
        // After the change: a writer that read the generation before it will see it move and write again.
        changed()
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
        changed()
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
        changed()
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
        let tools = runningToolsIfAny()
        lines.append("# HELP spool_running_tools External tools running now, by program.")
        lines.append("# TYPE spool_running_tools gauge")
        for tool in ["yt-dlp", "ffmpeg", "ffprobe"] {
            lines.append("spool_running_tools{tool=\"\(tool)\"} \(tools[tool] ?? 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `runningTools()`, skipped when no job attempt runs and none was seen last time: tools are started
    /// only by an attempt, which waits for them, so an idle service has none to look for.
    static func runningToolsIfAny() -> [String: Int] {
        let look = state.withLock { $0.runningAttempts > 0 || $0.toolsSeen > 0 }
        guard look else { return [:] }
        let tools = runningTools()
        state.withLock { $0.toolsSeen = tools.values.reduce(0, +) }
        return tools
    }

    /// This process's direct children by program name (yt-dlp's own children not included): from the
    /// per-thread `children` lists when the kernel has them, else from a scan of every process in /proc.
    static func runningTools() -> [String: Int] {
        var counts: [String: Int] = [:]
        let children = childProcessIDs()
        let me = getpid()
        for entry in children ?? allProcessIDs() {
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

    /// This process's children from `/proc/self/task/<tid>/children` (CONFIG_PROC_CHILDREN); nil when the
    /// kernel does not provide those files. A handful of small reads instead of one per process on the host.
    static func childProcessIDs() -> [String]? {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return nil }
        var pids: [String] = []
        var found = false
        for task in tasks {
            guard let text = try? String(contentsOfFile: "/proc/self/task/\(task)/children", encoding: .utf8) else {
                continue  // the thread just exited, or no such file on this kernel
            }
            found = true
            pids += text.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty }
        }
        return found ? pids : nil
    }

    /// Every process ID in /proc (the fallback when the `children` files are missing).
    static func allProcessIDs() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { $0.first?.isNumber == true }
    }
}

/// Writes `<root>/metrics.prom` atomically, for node_exporter's textfile collector: every `interval` while
/// something changes or a job runs; when the service is idle only after a change, plus a heartbeat write
/// every `idleRewrite` so the file's mtime shows the service is alive.
package struct MetricsWriter: Sendable {
    package var store: Store
    package var logger: Logger

    package init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// How long an idle service goes without rewriting an unchanged exposition (at least one interval).
    package static let idleRewrite: Duration = .seconds(60)

    /// Until cancelled; does nothing when metrics are off.
    package func run() async {
        let (file, interval) = SpoolMetrics.state.withLock { ($0.file, $0.interval) }
        guard file != nil, SpoolMetrics.enabled, interval > 0 else { return }
        let clock = ContinuousClock()
        var written: UInt64?
        var lastWrite = clock.now
        while !Task.isCancelled {
            // Read before the snapshot: a change made while it is taken bumps the generation again.
            let (generation, active) = SpoolMetrics.state.withLock {
                ($0.generation, $0.runningAttempts > 0 || $0.toolsSeen > 0)
            }
            if written != generation || active || lastWrite.duration(to: clock.now) >= Self.idleRewrite {
                writeNow()
                written = generation
                lastWrite = clock.now
            }
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
        ingestMeasured(names: [name])[0]
    }

    /// `ingest(names:)`, counted per file like `ingestMeasured(name:)`.
    package func ingestMeasured(names: [String]) -> [Outcome] {
        let dropped = names.map { SpoolMetrics.dropTime(ofFile: paths.inbox + "/" + $0) }
        let outcomes = ingest(names: names)
        for (outcome, time) in zip(outcomes, dropped) { SpoolMetrics.ingested(outcome, droppedAt: time) }
        return outcomes
    }
}
