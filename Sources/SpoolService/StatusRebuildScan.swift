import Dispatch
import SpoolCore
import SpoolStore

/// `StatusRebuilder.rebuildAll`'s pass over the streamed batches and jobs: compares and writes their status
/// files on every core while the next jobs are decoded, and keeps what the store must record afterwards.
///
/// A class with its state in a lock because the stream's callbacks are `@Sendable` (an engine may call them
/// from a thread of its own); they are called one at a time.
final class StatusRebuildScan: Sendable {
    private struct State {
        var batches: [String: BatchRecord] = [:]
        var seen = Set<String>()
        var pending: [(BatchRecord, [JobRecord])] = []
        var pendingJobs = 0
    }

    private let writer: StatusWriter
    private let hooks: [String: String]
    private let state = LockedBox(State())
    private let queue = DispatchQueue(label: "spool.status.rebuild", attributes: .concurrent)
    private let group = DispatchGroup()
    // At most two chunks in flight: one being written while the next is decoded.
    private let inFlight = DispatchSemaphore(value: 2)
    private let finished = LockedBox<[(BatchRecord, [JobRecord])]>([])

    /// `hooks`: every job's `webhook_status` (docs/webhooks.md).
    init(writer: StatusWriter, hooks: [String: String]) {
        self.writer = writer
        self.hooks = hooks
    }

    /// The stream's first callback: every batch.
    func noteBatches(_ all: [BatchRecord]) {
        state.withLock { state in for batch in all { state.batches[batch.id] = batch } }
    }

    /// The stream's callback for one batch's jobs.
    func add(batchID: String, jobs: [JobRecord]) {
        let full = state.withLock { state -> [(BatchRecord, [JobRecord])]? in
            state.seen.insert(batchID)
            guard let batch = state.batches[batchID] else { return nil }
            state.pending.append((batch, jobs))
            state.pendingJobs += jobs.count
            guard state.pendingJobs >= 2048 else { return nil }
            defer { (state.pending, state.pendingJobs) = ([], 0) }
            return state.pending
        }
        if let full { flush(full) }
    }

    /// After the stream: writes what is left and waits for every write. Returns the batches whose jobs are all
    /// terminal but whose end is not recorded, and the batches without jobs; the caller records and writes
    /// them (no store write inside the scan's read). Blocks the calling thread (`BlockingWork`).
    func finish() -> (finished: [(BatchRecord, [JobRecord])], empty: [BatchRecord]) {
        let (pending, empty) = state.withLock { state in
            (state.pending, state.batches.filter { !state.seen.contains($0.key) }.map(\.value))
        }
        flush(pending)
        group.wait()
        return (finished.withLock { $0 }, empty)
    }

    private func flush(_ chunk: [(BatchRecord, [JobRecord])]) {
        guard !chunk.isEmpty else { return }
        let (writer, hooks, finished) = (writer, hooks, finished)
        inFlight.wait()
        queue.async(group: group) { [inFlight] in
            defer { inFlight.signal() }
            let jobs = chunk.flatMap(\.1)
            jobs.concurrentForEach { job in
                var doc = StatusProjection.job(job, paths: writer.paths)
                doc.webhookStatus = hooks[job.id]
                writer.write(doc, to: writer.paths.jobStatus(job.id), ifChanged: true)
            }
            for (batch, jobs) in chunk {
                let done = !jobs.isEmpty && jobs.allSatisfy { $0.status.isTerminal }
                if done && batch.finishedAt == nil {
                    // Recorded in the store after the scan (no write inside the read).
                    finished.withLock { $0.append((batch, jobs)) }
                } else {
                    writer.write(
                        StatusProjection.batch(batch, jobs: jobs), to: writer.paths.batchStatus(batch.id),
                        ifChanged: true)
                }
            }
        }
    }
}
