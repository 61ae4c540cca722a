import Foundation
import Hummingbird
import SpoolCore
import SpoolService
import SpoolStore

extension SpoolAPI {
    /// `GET /healthz`: 200 once the listener is up (the store and the inbox are up before it starts); 503 while
    /// starting or stopping. Never needs a key, for load balancers.
    func health() -> Response {
        readiness.isReady
            ? JSONBody.response(["status": "ok"])
            : JSONBody.response(["status": "unavailable"], status: .serviceUnavailable)
    }

    /// `GET /metrics`: the Prometheus text of `metrics.prom`, taken now (or the file when metrics are off).
    func metricsText() async throws -> Response {
        let (metrics, file) = (parts.metrics, parts.paths.metricsFile)
        let text: Data? =
            if let metrics { Data(await metrics.exposition(store: store).utf8) } else {
                try await blocking { FileManager.default.contents(atPath: file) }
            }
        guard let text else { throw APIError(.notFound, "Metrics are off (metrics_interval_s is 0)") }
        return JSONBody.response(bytes: text, contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    /// `GET /usage`: jobs by status, bytes stored under `out/`, free disk there.
    func usage() async throws -> Response {
        let out = parts.paths.out
        let counts = try await store.countJobsByStatus()
        let (stored, free) = try await blocking { () -> (Int64, Int64) in
            let attributes = try? FileManager.default.attributesOfFileSystem(forPath: out)
            let free = (attributes?[.systemFreeSize] as? NSNumber)?.int64Value ?? 0
            return (Self.bytes(under: out), free)
        }
        var byStatus: [String: Int] = [:]
        for status in JobStatus.allCases { byStatus[status.rawValue.lowercased()] = counts[status] ?? 0 }
        let gib = 1024.0 * 1024 * 1024
        return JSONBody.response(object: [
            "client_name": "spool", "usage_count": counts.values.reduce(0, +), "jobs": byStatus,
            "storage_usage_bytes": stored, "storage_usage_gb": Double(stored) / gib,
            "disk_free_bytes": free, "disk_free_gb": Double(free) / gib,
        ])
    }

    /// Total size of the regular files under `dir` (symbolic links not followed).
    static func bytes(under dir: String) -> Int64 {
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return 0 }
        var total: Int64 = 0
        while let name = walker.nextObject() as? String {
            guard let attributes = walker.fileAttributes, attributes[.type] as? FileAttributeType == .typeRegular
            else { continue }
            total += (attributes[.size] as? NSNumber)?.int64Value ?? 0
            _ = name
        }
        return total
    }
}
