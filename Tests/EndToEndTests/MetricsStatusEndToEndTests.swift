// Operator experience: metrics.prom and `spool status` tables.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - metrics and status

@Suite("Operator: metrics.prom and status", .serialized, .timeLimit(.minutes(3)))
struct MetricsStatusTests {
    @Test("metrics.prom parses as Prometheus text and its counters match the status files; status tables")
    func metricsMatchStatusFiles() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("op-metrics")
        try Data(
            #"{"rescan_interval_s": 0.5, "retries": 0, "allow_private_network": true, "metrics_interval_s": 0.5}"#.utf8
        ).write(to: spool.config)
        try spool.start()
        try spool.drop(
            "m1.json",
            batchJSON(
                folder: "op/metrics",
                jobs: [(lab.url("clipA.mp4"), nil), (lab.url("clipB.mp4"), nil), (lab.url("status/404/x.mp4"), nil)]))
        try spool.drop("bad.json", #"{"jobs": []}"#)
        let r = try await spool.acceptedReceipt("m1")
        _ = try await spool.receipt("bad")
        let batch = try await spool.finishedBatch(r.batchID)
        let counts = statusFileCounts(spool)
        #expect(counts == ["Completed": 2, "Warning": 1], "\(counts)")

        let metricsFile = spool.url("metrics.prom")
        // Poll: the writer runs every 0.5 s; wait until it has seen the end of the batch.
        let (samples, types) = try await waitFor("metrics.prom to show the finished batch", timeout: 15, on: spool) {
            () -> ([PromSample], [String: String])? in
            guard let text = try? String(contentsOf: metricsFile, encoding: .utf8) else { return nil }
            let parsed = try parsePrometheus(text)
            return promValue(parsed.samples, "spool_jobs_ended_total", ["status": "Warning"]) == 1
                && promValue(parsed.samples, "spool_jobs_ended_total", ["status": "Completed"]) == 2
                && promValue(parsed.samples, "spool_jobs", ["status": "Completed"]) == 2 ? parsed : nil
        }
        #expect(types["spool_jobs"] == "gauge")
        #expect(types["spool_receipt_latency_seconds"] == "histogram")
        for status in allStatuses {
            #expect(
                promValue(samples, "spool_jobs", ["status": status]) == Double(counts[status] ?? 0),
                "spool_jobs \(status)")
        }
        for status in ["Completed", "Failed", "Warning", "Skipped"] {
            #expect(
                promValue(samples, "spool_jobs_ended_total", ["status": status]) == Double(counts[status] ?? 0),
                "spool_jobs_ended_total \(status)")
        }
        let batchCounts = try #require(batch["counts"] as? [String: Any])
        #expect(jsonInt(batchCounts["Completed"]) == 2)
        #expect(promValue(samples, "spool_batch_files_total", ["outcome": "accepted"]) == 1)
        #expect(promValue(samples, "spool_batch_files_total", ["outcome": "rejected"]) == 1)
        #expect(promValue(samples, "spool_receipt_latency_seconds_count") == 2)
        #expect(promValue(samples, "spool_receipt_latency_seconds_bucket", ["le": "+Inf"]) == 2)
        let buckets = samples.filter { $0.name == "spool_receipt_latency_seconds_bucket" }.map(\.value)
        #expect(buckets == buckets.sorted() && buckets.count > 5, "cumulative buckets \(buckets)")
        #expect(promValue(samples, "spool_queue_depth") == 0)
        #expect(promValue(samples, "spool_retries_total") == 0)
        #expect((promValue(samples, "spool_downloaded_bytes_total") ?? -1) >= 0)
        #expect(promValue(samples, "spool_running_tools", ["tool": "yt-dlp"]) != nil)
        // Atomic: never a temporary file left beside it.
        #expect(listDir(spool.root).filter { $0.contains("metrics") } == ["metrics.prom"], "\(listDir(spool.root))")

        // Logs are key=value lines.
        let log = try String(contentsOf: spool.log, encoding: .utf8)
        #expect(log.contains("level=info msg=\"batch accepted\""), "log format")

        // status: batch table, job table, --json, --recent.
        let table = try runCommand(spool.binary, ["status", r.batchID, "--root", spool.root.path])
        #expect(table.status == 0, "\(table.output)")
        #expect(
            table.stdout.contains("JOB") && table.stdout.contains("STATUS") && table.stdout.contains("OUTPUT / ERROR"))
        for id in r.jobIDs { #expect(table.stdout.contains(id)) }
        #expect(table.stdout.contains("out/op/metrics/clipA.mp4"))
        #expect(table.stdout.contains("Warning: "))
        #expect(table.stdout.contains("counts    Completed 2"), "\(table.stdout)")
        let job = try runCommand(spool.binary, ["status", r.jobIDs[0], "--root", spool.root.path])
        #expect(
            job.stdout.contains("status    Completed") && job.stdout.contains("output    out/op/metrics/clipA.mp4"),
            "\(job.stdout)")
        let json = try runCommand(spool.binary, ["status", r.jobIDs[2], "--root", spool.root.path, "--json"])
        let fromJSON = (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [String: Any]
        #expect(fromJSON?["status"] as? String == "Warning")
        let recent = try runCommand(spool.binary, ["status", "--recent", "--root", spool.root.path])
        #expect(
            recent.stdout.contains(r.batchID) && recent.stdout.contains("m1.json") && recent.stdout.contains("3/3"),
            "\(recent.stdout)")

        try await spool.stop()
        // The last exposition, written at shutdown, still parses.
        let final = try parsePrometheus(try String(contentsOf: metricsFile, encoding: .utf8))
        #expect(promValue(final.samples, "spool_jobs", ["status": "Completed"]) == 2)
    }
}
