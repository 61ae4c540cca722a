import Foundation

/// Records every state ("Status/step") each status file in a jobs/ directory shows, from its own thread every
/// 10 ms. Started before a batch is dropped, it sees a job from its first status file on, so a short state
/// (a 3 s wait) is not missed because the test looked only after some other wait, or its tasks were starved.
final class JobStateRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var states: [String: [String]] = [:]
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(_ jobsDir: URL) {
        Thread.detachNewThread { [self] in
            while self.isRunning {
                for name in listDir(jobsDir) where name.hasSuffix(".json") {
                    guard let doc = readJSON(jobsDir.appendingPathComponent(name)) else { continue }
                    let state = "\(doc["status"] as? String ?? "?")/\(doc["step"] as? String ?? "-")"
                    self.record(String(name.dropLast(5)), state)
                }
                usleep(10_000)
            }
            self.done.signal()
        }
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    private func record(_ id: String, _ state: String) {
        lock.lock()
        defer { lock.unlock() }
        if states[id]?.last != state { states[id, default: []].append(state) }
    }

    /// The states job `id` has shown so far, in order, without repeats.
    func states(of id: String) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return states[id] ?? []
    }

    /// Stops the thread (idempotent: a second call returns at once).
    func stop() {
        lock.lock()
        let wasRunning = running
        running = false
        lock.unlock()
        if wasRunning { done.wait() }
    }
}
