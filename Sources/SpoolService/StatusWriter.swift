import Dispatch
import Foundation
import Glibc
import Logging
import SpoolCore
import SpoolFiles
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
    /// round trip). `encoded` holds the job documents when the caller encoded them already (`encodeNew`).
    /// One thread writes: the files share one directory, whose lock makes parallel creates spin.
    package func writeCreated(_ batch: BatchRecord, jobs: [JobRecord], encoded: [Data]? = nil) {
        let documents = encoded ?? jobs.map(encodeNew)
        for (job, data) in zip(jobs, documents) { writeNew(data, to: paths.jobStatus(job.id)) }
        write(StatusProjection.batch(batch, jobs: jobs), to: paths.batchStatus(batch.id))
    }

    /// The bytes of a job's status file.
    package func encodeNew(_ job: JobRecord) -> Data {
        StatusJSON.encode(StatusProjection.job(job, paths: paths))
    }

    /// `batches/<id>.json` from `jobs` (the batch's jobs in position order); records the batch's end in
    /// the store when every job is terminal and it is not recorded yet.
    func writeBatch(_ batch: BatchRecord, jobs: [JobRecord], ifChanged: Bool = false) throws {
        var batch = batch
        let done = !jobs.isEmpty && jobs.allSatisfy { $0.status.isTerminal }
        if done && batch.finishedAt == nil {
            let end = jobs.compactMap(\.finishedAt).max() ?? Date().millisecondsSince1970
            try store.setBatchFinished(id: batch.id, at: end)
            batch.finishedAt = end
        }
        write(StatusProjection.batch(batch, jobs: jobs), to: paths.batchStatus(batch.id), ifChanged: ifChanged)
    }

    /// Status files are a projection of the database (rebuilt at start-up), so they skip fsync:
    /// atomic for readers, cheap enough to rewrite on every transition.
    func write(_ doc: [String: Any], to path: String, ifChanged: Bool = false) {
        let data = StatusJSON.encode(doc)
        if ifChanged, Posix.contents(of: path, ifSize: data.count) == data { return }
        do {
            try AtomicFile.write(data, to: path, durable: false)
        } catch {
            logger.error("status file not written", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// A status file that does not exist yet (see `AtomicFile.writeNew`).
    func writeNew(_ data: Data, to path: String) {
        do {
            try AtomicFile.writeNew(data, to: path)
        } catch {
            logger.error("status file not written", metadata: ["path": "\(path)", "error": "\(error)"])
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
    ///
    /// Dispatches on the dynamic type's identity: a chain of `as?` casts costs a failed bridging
    /// lookup per miss, which made encoding dearer than writing the file.
    private static func append(_ value: Any, to out: inout [UInt8]) -> Bool {
        let type = ObjectIdentifier(Swift.type(of: value))
        switch type {
        case ObjectIdentifier(String.self):
            appendString(value as! String, to: &out)
        case ObjectIdentifier(Int.self):
            out.append(contentsOf: String(value as! Int).utf8)
        case ObjectIdentifier(Int64.self):
            out.append(contentsOf: String(value as! Int64).utf8)
        case ObjectIdentifier(Int32.self):
            out.append(contentsOf: String(value as! Int32).utf8)
        case ObjectIdentifier(Bool.self):
            out.append(contentsOf: (value as! Bool) ? Array("true".utf8) : Array("false".utf8))
        case ObjectIdentifier(NSNull.self):
            out.append(contentsOf: "null".utf8)
        case ObjectIdentifier([String: Any].self):
            return appendObject(value as! [String: Any], to: &out)
        case ObjectIdentifier([String: Int].self):
            return appendObject(value as! [String: Int], to: &out)
        case ObjectIdentifier([Any].self):
            return appendArray(value as! [Any], to: &out)
        case ObjectIdentifier([String].self):
            return appendArray(value as! [String], to: &out)
        case ObjectIdentifier([String: String].self):
            return appendObject(value as! [String: String], to: &out)
        case ObjectIdentifier([[String: String]].self):
            return appendArray(value as! [[String: String]], to: &out)
        default:
            return false
        }
        return true
    }

    private static func appendObject<Value>(_ object: [String: Value], to out: inout [UInt8]) -> Bool {
        out.append(UInt8(ascii: "{"))
        for (n, key) in object.keys.sorted(by: keyOrder).enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            guard append(object[key]!, to: &out) else { return false }
        }
        out.append(UInt8(ascii: "}"))
        return true
    }

    private static func appendArray<Element>(_ array: [Element], to out: inout [UInt8]) -> Bool {
        out.append(UInt8(ascii: "["))
        for (n, element) in array.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            guard append(element, to: &out) else { return false }
        }
        out.append(UInt8(ascii: "]"))
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
