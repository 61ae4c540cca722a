import Foundation
import Logging
import SpoolCore
import SpoolStore

/// Acts on `cancel/<id>` files (SPEC §7): a job or a whole batch. Consumed once acted on;
/// an unknown or impossible request gets `receipts/<name>.json` with the reason.
package struct ControlFiles: Sendable {
    package var store: Store
    package var paths: SpoolPaths
    package var scheduler: Scheduler
    package var ingestor: Ingestor
    package var logger: Logger

    package init(store: Store, paths: SpoolPaths, scheduler: Scheduler, ingestor: Ingestor, logger: Logger) {
        self.store = store
        self.paths = paths
        self.scheduler = scheduler
        self.ingestor = ingestor
        self.logger = logger
    }

    /// Polls the control directory until cancelled (control files are rare and tiny).
    package func run(interval: Duration) async {
        while !Task.isCancelled {
            await sweep()
            try? await Task.sleep(for: interval)
        }
    }

    package func sweep() async {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: paths.cancel)) ?? []
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = paths.cancel + "/" + name
            var problems: [String] = []
            let id = name.lowercased()
            if let batch = try? store.batch(id: id) {
                let jobs = (try? store.jobs(batchID: batch.id)) ?? []
                var acted = 0
                for job in jobs where !job.status.isTerminal {
                    if case .notCancellable(let why) = await scheduler.cancel(jobID: job.id) { problems.append(why) } else { acted += 1 }
                }
                if acted == 0 { problems.append("batch \(id) has no job left to cancel") }
            } else {
                switch await scheduler.cancel(jobID: id) {
                case .cancelled, .stopping: break
                case .notCancellable(let why): problems.append(why)
                case .unknown: problems.append("no job or batch has the ID \(name)")
                }
            }
            if !problems.isEmpty {
                try? ingestor.writeReceipt(
                    for: name,
                    ["error": problems.joined(separator: "; "), "source": "cancel/\(name)"])
            }
            logger.info("cancel request handled", metadata: ["id": "\(name)", "problems": "\(problems.count)"])
            _ = try? FileManager.default.removeItem(atPath: path)
        }
    }
}
