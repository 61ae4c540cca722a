import Foundation
import ServiceLifecycle
import ServiceLifecycleTestKit
import SpoolCore
import SpoolPipeline
import SpoolStore
import Testing

@testable import SpoolService

@Suite("Metrics", .serialized, .timeLimit(.minutes(1)))
struct MetricsTests {
    /// One sample's value from a Prometheus text exposition.
    static func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test("every series exists from the start, at zero")
    func zeroes() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let metrics = SpoolMetrics(file: root + "/metrics.prom", interval: .seconds(1), tools: RunningTools())
            let text = await metrics.exposition(store: h.store)
            for status in JobStatus.allCases where status.isTerminal {
                #expect(Self.value(text, #"spool_jobs_ended_total{status="\#(status.rawValue)"}"#) == 0)
            }
            for outcome in ["accepted", "cached", "rejected"] {
                #expect(Self.value(text, #"spool_batch_files_total{outcome="\#(outcome)"}"#) == 0)
            }
            #expect(Self.value(text, "spool_downloaded_bytes_total") == 0)
            #expect(Self.value(text, "spool_retries_total") == 0)
            #expect(Self.value(text, "spool_queue_depth") == 0)
            #expect(Self.value(text, #"spool_running_tools{tool="yt-dlp"}"#) == 0)
            #expect(text.contains("# TYPE spool_receipt_latency_seconds histogram"))
        }
    }

    @Test("the running-tools gauge is read from RunningTools; the jobs gauges from the database")
    func gauges() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            try h.addBatch(count: 3)
            let tools = RunningTools()
            let metrics = SpoolMetrics(file: root + "/metrics.prom", interval: .seconds(1), tools: tools)
            tools.started("/opt/venv/bin/yt-dlp")
            tools.started("ffmpeg")
            tools.started("ffmpeg")
            let text = await metrics.exposition(store: h.store)
            #expect(Self.value(text, #"spool_running_tools{tool="yt-dlp"}"#) == 1)
            #expect(Self.value(text, #"spool_running_tools{tool="ffmpeg"}"#) == 2)
            #expect(Self.value(text, #"spool_running_tools{tool="ffprobe"}"#) == 0)
            #expect(Self.value(text, #"spool_jobs{status="Pending"}"#) == 3)
            #expect(Self.value(text, "spool_queue_depth") == 3)
            // A running tool keeps the writer writing every interval.
            #expect(metrics.pulse.active)
            tools.ended("yt-dlp")
            tools.ended("ffmpeg")
            tools.ended("ffmpeg")
            #expect(!metrics.pulse.active)
        }
    }

    @Test("hooks count into this value's own instruments and move the generation")
    func hooks() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let id = try h.addBatch(count: 1)[0]
            let metrics = SpoolMetrics(file: root + "/metrics.prom", interval: .seconds(1), tools: RunningTools())
            let other = SpoolMetrics(file: root + "/other.prom", interval: .seconds(1), tools: RunningTools())
            let before = metrics.pulse.generation
            var job = try h.job(id)
            job.status = .failed
            metrics.jobEnded(job)
            metrics.ingested(.rejected(errors: []), droppedAt: Date())
            #expect(metrics.pulse.generation > before)
            let text = await metrics.exposition(store: h.store)
            #expect(Self.value(text, #"spool_jobs_ended_total{status="Failed"}"#) == 1)
            #expect(Self.value(text, #"spool_batch_files_total{outcome="rejected"}"#) == 1)
            #expect(Self.value(text, "spool_receipt_latency_seconds_count") == 1)
            // Another value has instruments of its own.
            #expect(
                Self.value(await other.exposition(store: h.store), #"spool_jobs_ended_total{status="Failed"}"#) == 0)
        }
    }

    @Test("the service writes metrics.prom at start, again after a change, and stops on graceful shutdown")
    func serviceWrites() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let file = root + "/metrics.prom"
            let metrics = SpoolMetrics(file: file, interval: .milliseconds(50), tools: RunningTools())
            let service = MetricsService(metrics: metrics, store: h.store, logger: quietLogger)
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await service.run() }
                    #expect(await eventually { readText(file).map { Self.value($0, "spool_queue_depth") } == 0 })
                    try h.addBatch(count: 2)
                    metrics.changed()
                    #expect(await eventually { readText(file).map { Self.value($0, "spool_queue_depth") } == 2 })
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test("without metrics the service only waits for the shutdown")
    func disabled() async throws {
        try await withTempDirectory { root in
            let h = try ServiceHarness(root: root)
            let service = MetricsService(metrics: nil, store: h.store, logger: quietLogger)
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await service.run() }
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            #expect(!FileManager.default.fileExists(atPath: root + "/metrics.prom"))
        }
    }
}
