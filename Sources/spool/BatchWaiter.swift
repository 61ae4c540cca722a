import Foundation
import SpoolService

/// Follows submitted batches through their receipts and batch status files, printing progress.
struct BatchWaiter {
    var paths: SpoolPaths

    /// True when every batch was accepted and all its jobs completed.
    func wait(for names: [String]) async throws -> Bool {
        var allCompleted = true
        for name in names {
            let stem = String(name.dropLast(5))
            let receipt = try await poll { readJSON(paths.receipts + "/" + stem + ".json") }
            guard let batchID = receipt["batch_id"] as? String else {
                print("\(name): rejected: \(receipt["error"] as? String ?? "see the receipt")")
                allCompleted = false
                continue
            }
            var lastLine = ""
            let batch = try await poll { () -> [String: Any]? in
                guard let doc = readJSON(paths.batchStatus(batchID)) else { return nil }
                let line = "\(name): \(doc["progress"] ?? 0)% \(doc["counts"].map { "\($0)" } ?? "")"
                if line != lastLine {
                    print(line)
                    lastLine = line
                }
                let status = doc["status"] as? String
                return status == "completed" || status == "finished" ? doc : nil
            }
            print("\(name): \(batch["status"] as? String ?? "?")")
            if batch["status"] as? String != "completed" { allCompleted = false }
        }
        return allCompleted
    }

    private func poll<T>(_ probe: () -> T?) async throws -> T {
        while true {
            if let value = probe() { return value }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}

func readJSON(_ path: String) -> [String: Any]? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
}
