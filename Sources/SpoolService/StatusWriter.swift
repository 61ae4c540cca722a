import Dispatch
import Foundation
import Glibc
import Logging
import SpoolCore
import SpoolInbox
import SpoolStore

/// Writes the status projection atomically (temp + rename); failures are logged, never fatal,
/// because the database stays the truth and start-up rebuilds the files.
package struct StatusWriter: Sendable {
    package var store: Store
    package var paths: SpoolPaths
    package var logger: Logger

    package init(store: Store, paths: SpoolPaths, logger: Logger) {
        self.store = store
        self.paths = paths
        self.logger = logger
    }

    package func write(job: JobRecord) {
        write(StatusProjection.job(job, paths: paths), to: paths.jobStatus(job.id))
    }

    /// Rewrites the batch file from the store, recording the batch's end when every job is terminal.
    package func writeBatch(id: String) {
        do {
            guard let batch = try store.batch(id: id) else { return }
            try writeBatch(batch, jobs: try store.jobs(batchID: id))
        } catch {
            logger.error("batch status not written", metadata: ["batch.id": "\(id)", "error": "\(error)"])
        }
    }

    /// A batch just created: its job files and its batch file from the records in hand (no store
    /// round trip). The job files are written on every core: a 100-job batch is the ingest's hot path.
    package func writeCreated(_ batch: BatchRecord, jobs: [JobRecord]) {
        forEachConcurrently(jobs) { job in write(job: job) }
        write(StatusProjection.batch(batch, jobs: jobs), to: paths.batchStatus(batch.id))
    }

    /// `batches/<id>.json` from `jobs` (the batch's jobs in position order); records the batch's end in
    /// the store when every job is terminal and it is not recorded yet.
    private func writeBatch(_ batch: BatchRecord, jobs: [JobRecord], ifChanged: Bool = false) throws {
        var batch = batch
        let done = !jobs.isEmpty && jobs.allSatisfy { $0.status.isTerminal }
        if done && batch.finishedAt == nil {
            let end = jobs.compactMap(\.finishedAt).max() ?? Date().millisecondsSince1970
            try store.setBatchFinished(id: batch.id, at: end)
            batch.finishedAt = end
        }
        write(StatusProjection.batch(batch, jobs: jobs), to: paths.batchStatus(batch.id), ifChanged: ifChanged)
    }

    /// Start-up: every status file that is missing or differs from the database is rewritten.
    ///
    /// Streams the jobs batch by batch (memory stays flat however long the queue), and compares and
    /// writes on every core while the next jobs are decoded.
    package func rebuildAll() throws {
        var batches: [String: BatchRecord] = [:]
        for batch in try store.batches() { batches[batch.id] = batch }
        let queue = DispatchQueue(label: "spool.status.rebuild", attributes: .concurrent)
        let group = DispatchGroup()
        // At most two chunks in flight: one being written while the next is decoded.
        let inFlight = DispatchSemaphore(value: 2)
        let finished = LockedList<(BatchRecord, [JobRecord])>()
        var seen = Set<String>()
        var pending: [(BatchRecord, [JobRecord])] = []
        var pendingJobs = 0

        func flush(_ chunk: [(BatchRecord, [JobRecord])]) {
            guard !chunk.isEmpty else { return }
            inFlight.wait()
            queue.async(group: group) {
                defer { inFlight.signal() }
                let jobs = chunk.flatMap(\.1)
                forEachConcurrently(jobs) { job in
                    write(StatusProjection.job(job, paths: paths), to: paths.jobStatus(job.id), ifChanged: true)
                }
                for (batch, jobs) in chunk {
                    let done = !jobs.isEmpty && jobs.allSatisfy { $0.status.isTerminal }
                    if done && batch.finishedAt == nil {
                        // Recorded in the store after the scan (no write inside the read).
                        finished.append((batch, jobs))
                    } else {
                        write(StatusProjection.batch(batch, jobs: jobs), to: paths.batchStatus(batch.id), ifChanged: true)
                    }
                }
            }
        }

        try store.forEachBatchOfJobs { batchID, jobs in
            seen.insert(batchID)
            guard let batch = batches[batchID] else { return }
            pending.append((batch, jobs))
            pendingJobs += jobs.count
            if pendingJobs >= 2048 {
                flush(pending)
                pending = []
                pendingJobs = 0
            }
        }
        flush(pending)
        group.wait()
        for (batch, jobs) in finished.items { try writeBatch(batch, jobs: jobs, ifChanged: true) }
        for (id, batch) in batches where !seen.contains(id) { try writeBatch(batch, jobs: [], ifChanged: true) }
    }

    /// Status files are a projection of the database (rebuilt at start-up), so they skip fsync:
    /// atomic for readers, cheap enough to rewrite on every transition.
    func write(_ doc: [String: Any], to path: String, ifChanged: Bool = false) {
        let data = StatusJSON.encode(doc)
        if ifChanged, Self.contents(of: path, ifSize: data.count) == data { return }
        do {
            try AtomicFile.write(data, to: path, durable: false)
        } catch {
            logger.error("status file not written", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// The file's bytes when it has exactly `size` bytes (a cheap first comparison), else nil.
    static func contents(of path: String, ifSize size: Int) -> Data? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, Int(info.st_size) == size else { return nil }
        var data = Data(count: size)
        let got = data.withUnsafeMutableBytes { buffer -> Int in
            var total = 0
            while total < size {
                let n = read(fd, buffer.baseAddress! + total, size - total)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                total += n
            }
            return total
        }
        return got == size ? data : nil
    }
}

/// A list appended to from several threads.
private final class LockedList<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Element] = []

    func append(_ element: Element) {
        lock.lock()
        storage.append(element)
        lock.unlock()
    }

    var items: [Element] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}

/// Runs `body` over `items` on every core (in order on one thread when there are few items).
private func forEachConcurrently<T: Sendable>(_ items: [T], _ body: @Sendable (T) -> Void) {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    guard cores > 1, items.count >= 32 else {
        for item in items { body(item) }
        return
    }
    let slices = min(cores, items.count)
    DispatchQueue.concurrentPerform(iterations: slices) { slice in
        var index = slice
        while index < items.count {
            body(items[index])
            index += slices
        }
    }
}

/// The bytes of a status document or receipt: the same as `StatusProjection.encode` (sorted keys,
/// slashes unescaped, a final newline), without Foundation's JSONSerialization, which costs more than
/// the write itself on the ingest path. Documents holding anything but strings, integers, booleans,
/// null, arrays and objects (a `Double` in a finished job's timings) go through `StatusProjection.encode`.
package enum StatusJSON {
    package static func encode(_ doc: [String: Any]) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        guard append(doc, to: &out) else { return StatusProjection.encode(doc) }
        out.append(UInt8(ascii: "\n"))
        return Data(out)
    }

    /// False when `value` holds a type this encoder leaves to JSONSerialization.
    private static func append(_ value: Any, to out: inout [UInt8]) -> Bool {
        switch value {
        case let s as String:
            appendString(s, to: &out)
        case let b as Bool:
            out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case let i as Int:
            out.append(contentsOf: String(i).utf8)
        case let i as Int64:
            out.append(contentsOf: String(i).utf8)
        case let i as Int32:
            out.append(contentsOf: String(i).utf8)
        case is NSNull:
            out.append(contentsOf: "null".utf8)
        case let object as [String: Any]:
            out.append(UInt8(ascii: "{"))
            for (n, key) in object.keys.sorted(by: keyOrder).enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                guard append(object[key]!, to: &out) else { return false }
            }
            out.append(UInt8(ascii: "}"))
        case let array as [Any]:
            out.append(UInt8(ascii: "["))
            for (n, element) in array.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                guard append(element, to: &out) else { return false }
            }
            out.append(UInt8(ascii: "]"))
        default:
            return false
        }
        return true
    }

    /// JSONSerialization's `.sortedKeys` order for the keys spool writes (ASCII letters, digits, `_`):
    /// case-insensitive, then by code point.
    private static func keyOrder(_ a: String, _ b: String) -> Bool {
        func fold(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }
        var ia = a.utf8.makeIterator(), ib = b.utf8.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return a.utf8.lexicographicallyPrecedes(b.utf8)
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): if fold(x) != fold(y) { return fold(x) < fold(y) }
            }
        }
    }

    /// As JSONSerialization writes strings: `"` and `\` escaped, control characters as `\n`-style or
    /// `\u00xx` escapes, everything else (slashes and non-ASCII included) as UTF-8.
    private static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x08: out.append(contentsOf: [92, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [92, UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
