import Dispatch
import Foundation
import SpoolCore
import SpoolService

#if canImport(Glibc)
    import Glibc
#endif

/// Follows submitted batches through their receipts and status files: live progress bars on a
/// terminal, one line per change otherwise. Reads files only, so stopping it never stops a job.
struct BatchWaiter {
    var paths: SpoolPaths
    var style = TerminalStyle.detect()
    /// How often the files are read.
    var interval: Duration = .milliseconds(200)
    /// Runs on Ctrl-C before the process exits (the demo stops its service there).
    var onInterrupt: (@Sendable () -> Void)?

    enum Outcome: Equatable {
        /// Every job of every batch Completed.
        case allCompleted
        /// At least one batch file was rejected.
        case rejected
        /// Every batch is done, some job did not complete.
        case notCompleted

        var exitCode: Int32 {
            switch self {
            case .allCompleted: 0
            case .rejected: 2
            case .notCompleted: 1
            }
        }
    }

    /// One submitted file and what is known of it.
    final class Tracked {
        let name: String
        var receiptSeen = false
        var rejection: (error: String, errors: [(String, String)])?
        var cached = false
        var batchID: String?
        var jobIDs: [String] = []
        var batchStatus = "waiting"
        var jobs: [JobLine] = []
        var printed: [String: String] = [:]

        init(name: String) { self.name = name }

        var stem: String { name.hasSuffix(".json") ? String(name.dropLast(5)) : name }
        var done: Bool { rejection != nil || batchStatus == "completed" || batchStatus == "finished" }
    }

    /// Watches the batches placed in the inbox under `names` until every one is done.
    func wait(for names: [String]) async throws -> Outcome {
        let tracked = names.map(Tracked.init)
        let started = Date()
        fflush(nil)
        let interrupt = installInterruptHandler(tracked: tracked)
        defer { interrupt.cancel() }
        if style.interactive { write("\u{1B}[?25l") }
        defer { if style.interactive { write("\u{1B}[?25h") } }
        var drawn = 0
        while true {
            for batch in tracked where !batch.done { refresh(batch) }
            if style.interactive {
                let frame = frame(tracked, elapsed: Date().timeIntervalSince(started))
                write((drawn > 0 ? "\u{1B}[\(drawn)A\r\u{1B}[J" : "") + frame.joined(separator: "\n") + "\n")
                drawn = frame.count
            } else {
                printChanges(tracked)
            }
            if tracked.allSatisfy(\.done) { break }
            try await Task.sleep(for: interval)
        }
        let outcome: Outcome =
            tracked.contains { $0.rejection != nil }
            ? .rejected
            : tracked.allSatisfy({ $0.jobs.allSatisfy { $0.status == "Completed" } }) ? .allCompleted : .notCompleted
        for batch in tracked {
            guard let rejection = batch.rejection else { continue }
            write("\(batch.name): rejected: \(rejection.error)\n")
            for (field, message) in rejection.errors { write("  \(field): \(message)\n") }
        }
        let all = tracked.flatMap(\.jobs)
        let completed = all.filter { $0.status == "Completed" }.count
        switch outcome {
        case .allCompleted: write("done: all \(all.count) job\(all.count == 1 ? "" : "s") completed\n")
        case .notCompleted: write("done: \(completed) of \(all.count) jobs completed\n")
        case .rejected: write("done: \(tracked.filter { $0.rejection != nil }.count) batch file(s) rejected\n")
        }
        return outcome
    }

    // MARK: - Reading

    private func refresh(_ batch: Tracked) {
        if !batch.receiptSeen {
            let path = paths.receipts + "/" + batch.stem + ".json"
            guard let data = FileManager.default.contents(atPath: path) else { return }
            if let receipt = try? JSONDecoder().decode(Receipt.self, from: data) {
                batch.receiptSeen = true
                batch.batchID = receipt.batchId
                batch.jobIDs = receipt.jobIds
                batch.cached = receipt.cached
                batch.batchStatus = "accepted"
            } else if let receipt = try? JSONDecoder().decode(ErrorReceipt.self, from: data) {
                batch.receiptSeen = true
                batch.rejection = (receipt.error, (receipt.errors ?? []).map { ($0.field, $0.message) })
                batch.batchStatus = "rejected"
                return
            } else {
                // Not a receipt spool writes: say where to look.
                guard readJSON(path) != nil else { return }
                batch.receiptSeen = true
                batch.rejection = ("see receipts/\(batch.stem).json", [])
                batch.batchStatus = "rejected"
                return
            }
        }
        guard let id = batch.batchID else { return }
        if let doc = readDocument(BatchStatusDocument.self, paths.batchStatus(id)) {
            batch.batchStatus = doc.status.rawValue
            batch.jobIDs = doc.jobIds
        }
        batch.jobs = batch.jobIDs.map {
            JobLine(id: $0, doc: readDocument(JobStatusDocument.self, paths.jobStatus($0)))
        }
    }

    // MARK: - Views

    /// The interactive view: a header per batch, a bar per job, a summary line.
    func frame(_ tracked: [Tracked], elapsed: Double) -> [String] {
        let width = TerminalStyle.width()
        let labelWidth = min(28, max(8, tracked.flatMap(\.jobs).map(\.label.count).max() ?? 8))
        let barWidth = max(10, min(30, width - labelWidth - 60))
        let detailWidth = max(4, tracked.flatMap(\.jobs).map(\.detail.count).max() ?? 4)
        var lines: [StyledLine] = []
        for batch in tracked {
            var header = StyledLine()
            header.add(batch.name, .bold)
            if let id = batch.batchID {
                header.add("  batch \(id)  ")
                header.add(
                    batch.batchStatus + (batch.cached ? " (cached)" : ""),
                    batch.batchStatus == "completed" ? .green : .plain)
            } else if batch.rejection != nil {
                header.add("  rejected", .red)
            } else {
                header.add("  waiting for spool to take it", .dim)
                if elapsed > 10 { header.add(" (is `spool serve` running on \(paths.root)?)", .yellow) }
            }
            lines.append(header)
            for job in batch.jobs {
                lines.append(job.styled(labelWidth: labelWidth, barWidth: barWidth, detailWidth: detailWidth))
            }
        }
        lines.append(summary(tracked, elapsed: elapsed))
        return lines.map { $0.render(width: width, color: style.color) }
    }

    func summary(_ tracked: [Tracked], elapsed: Double) -> StyledLine {
        let jobs = tracked.flatMap(\.jobs)
        func count(_ status: String) -> Int { jobs.filter { $0.status == status }.count }
        var line = StyledLine()
        let done = jobs.filter(\.isTerminal).count
        line.add("\(done)/\(jobs.count) done", .bold)
        line.add(" · ")
        line.add("\(count("Completed")) completed", count("Completed") > 0 ? .green : .plain)
        line.add(" · \(count("Processing")) running · \(count("Pending")) queued")
        let bad = count("Failed") + count("Warning") + count("Skipped")
        line.add(" · ")
        line.add("\(bad) not completed", bad > 0 ? .red : .plain)
        line.add(" · elapsed \(formatClock(elapsed))", .dim)
        return line
    }

    /// The plain view: one line whenever a batch or a job changes.
    private func printChanges(_ tracked: [Tracked]) {
        for batch in tracked {
            if let id = batch.batchID, batch.printed["receipt"] == nil {
                batch.printed["receipt"] = id
                let cached = batch.cached ? "; cached: the batch already known by its idempotency_key" : ""
                write(
                    "\(batch.name): accepted as batch \(id) (\(batch.jobIDs.count) job\(batch.jobIDs.count == 1 ? "" : "s"))\(cached)\n"
                )
            }
            let headerKey = batch.batchStatus
            if batch.printed["$"] != headerKey {
                batch.printed["$"] = headerKey
                switch batch.batchStatus {
                case "waiting": write("\(batch.name): waiting for spool to take it\n")
                case "rejected": break  // printed at the end, with every problem
                case "accepted": break  // printed with the receipt, above
                default:
                    let counts = Dictionary(grouping: batch.jobs, by: \.status).mapValues(\.count)
                        .sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                    write("\(batch.name): \(batch.batchStatus)\(counts.isEmpty ? "" : " (\(counts))")\n")
                }
            }
            for (index, job) in batch.jobs.enumerated() where batch.printed[job.id] != job.changeKey {
                batch.printed[job.id] = job.changeKey
                write(job.plainLine(prefix: "\(batch.name) [\(index + 1)/\(batch.jobs.count)]") + "\n")
            }
        }
    }

    // MARK: - Output and Ctrl-C

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Ctrl-C: restore the cursor, say that the jobs go on, exit 130.
    private func installInterruptHandler(tracked: [Tracked]) -> any DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let interactive = style.interactive
        let onInterrupt = onInterrupt
        let receipts = tracked.map { paths.receipts + "/" + $0.stem + ".json" }
        source.setEventHandler {
            let ids = receipts.compactMap { readDocument(Receipt.self, $0)?.batchId }
            var text = interactive ? "\u{1B}[?25h\n" : "\n"
            text += "stopped watching; the jobs go on"
            text += ids.isEmpty ? "\n" : " (spool status \(ids.joined(separator: " ")))\n"
            FileHandle.standardOutput.write(Data(text.utf8))
            onInterrupt?()
            exit(130)
        }
        source.resume()
        return source
    }
}

/// A status file or receipt read as its document type; nil when missing or not that document.
func readDocument<Document: Decodable>(_ type: Document.Type, _ path: String) -> Document? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return try? JSONDecoder().decode(type, from: data)
}

/// Any JSON object file, untyped (the demo reads a receipt's `job_ids` with it).
func readJSON(_ path: String) -> [String: Any]? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
}
