import ArgumentParser
import Foundation
import SpoolCore
import SpoolService

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a job or a batch as a table (or its JSON), or the latest batches.")

    @Argument(help: "A job ID or a batch ID.")
    var id: String?

    @OptionGroup var options: RootOptions

    @Flag(help: "Print the status file's JSON.")
    var json = false

    @Flag(help: "List the latest batches.")
    var recent = false

    @Option(help: "How many batches --recent lists.")
    var limit = 10

    func validate() throws {
        if id == nil && !recent { throw ValidationError("give a job or batch ID, or --recent") }
        if id != nil && recent { throw ValidationError("give either an ID or --recent, not both") }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let paths = try options.paths(try options.loadConfiguration())
        if recent { return try listRecent(paths) }
        let given = id ?? ""
        let id = given.lowercased()
        guard SpoolID.isValid(id) else { throw ValidationError("\(given) is not a job or batch ID (a UUID)") }
        let path: String
        if FileManager.default.fileExists(atPath: paths.jobStatus(id)) {
            path = paths.jobStatus(id)
        } else if FileManager.default.fileExists(atPath: paths.batchStatus(id)) {
            path = paths.batchStatus(id)
        } else {
            print("no job or batch \(id) under \(paths.root)")
            throw ExitCode(1)
        }
        guard let data = FileManager.default.contents(atPath: path), readJSON(path) != nil else {
            throw ValidationError("cannot read \(path)")
        }
        if json {
            FileHandle.standardOutput.write(data)
            if data.last != UInt8(ascii: "\n") { FileHandle.standardOutput.write(Data("\n".utf8)) }
            return
        }
        if let batch = try? JSONDecoder().decode(BatchStatusDocument.self, from: data) {
            printBatch(batch, paths: paths)
        } else if let job = try? JSONDecoder().decode(JobStatusDocument.self, from: data) {
            printJob(job)
        } else {
            throw ValidationError("cannot read \(path)")
        }
    }

    private func printBatch(_ doc: BatchStatusDocument, paths: SpoolPaths) {
        print(
            fields([
                ("batch", doc.batchId), ("source", doc.source), ("folder", doc.folder), ("status", doc.status.rawValue),
                ("progress", "\(doc.progress)%"), ("created", Self.time(doc.createdAt)),
                ("finished", doc.finishedAt.map(Self.time)),
            ]))
        let order: [JobStatus] = [.completed, .processing, .pending, .failed, .warning, .skipped]
        print("counts    " + order.map { "\($0.rawValue) \(doc.counts[$0])" }.joined(separator: " · "))
        print("")
        var rows = [["JOB", "STATUS", "STEP", "PROGRESS", "OUTPUT / ERROR"]]
        for job in doc.jobIds {
            let line = JobLine(id: job, doc: readDocument(JobStatusDocument.self, paths.jobStatus(job)))
            rows.append([
                job, line.status, line.step, line.isTerminal && line.status != "Completed" ? "" : line.detail,
                line.output ?? line.error.map { "\(line.status): \($0)" } ?? "",
            ])
        }
        print(table(rows))
    }

    private func printJob(_ doc: JobStatusDocument) {
        let line = JobLine(id: doc.id, doc: doc)
        var text = fields([
            ("job", doc.id), ("batch", doc.batchId), ("url", doc.url), ("status", doc.status.rawValue),
            ("step", doc.step.rawValue),
        ])
        if !line.detail.isEmpty && !(line.isTerminal && line.status != "Completed") {
            text += "\n" + "progress".padding(toLength: 10, withPad: " ", startingAt: 0) + line.detail
        }
        let result = doc.result
        let codecs = result?.outputVideoCodec.map { video in
            result?.outputAudioCodec.map { "\(video) + \($0)" } ?? video
        }
        text +=
            "\n"
            + fields([
                ("output", result?.outputPath), ("size", result?.fileSize.map { formatBytes(Double($0)) }),
                ("duration", result?.durationSeconds.map(jsonNumber)), ("quality", result?.actualQuality),
                ("codecs", codecs), ("error", doc.failure?.error), ("type", doc.failure?.errorType.rawValue),
                ("attempt", doc.attempt.map { "\($0)" }), ("retries", doc.finish.map { "\($0.downloadRetries)" }),
                ("created", Self.time(doc.createdAt)), ("started", doc.startedAt.map(Self.time)),
                ("finished", doc.finish?.finishedAt.map(Self.time)), ("note", result?.note),
            ])
        print(text)
    }

    /// `label     value` lines for the values that apply and are known.
    private func fields(_ values: [(String, String?)]) -> String {
        values.compactMap { label, value in
            value.map { label.padding(toLength: 10, withPad: " ", startingAt: 0) + $0 }
        }.joined(separator: "\n")
    }

    /// A number as the status file spells it (`12`, `12.5`).
    private func jsonNumber(_ value: Double) -> String {
        (try? StatusJSONEncoder.number(value)) ?? "\(value)"
    }

    private func listRecent(_ paths: SpoolPaths) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: paths.batches)) ?? []
        let docs = names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .compactMap { readDocument(BatchStatusDocument.self, paths.batches + "/" + $0) }
            .sorted { $0.createdAt > $1.createdAt }
        if docs.isEmpty {
            print("no batches under \(paths.root)")
            return
        }
        var rows = [["BATCH", "CREATED", "SOURCE", "STATUS", "DONE", "COMPLETED", "NOT COMPLETED"]]
        for doc in docs.prefix(limit) {
            let c = doc.counts
            let notCompleted = c.failed + c.warning + c.skipped
            rows.append([
                doc.batchId, Self.time(doc.createdAt), doc.source, doc.status.rawValue,
                "\(c.completed + notCompleted)/\(doc.totalJobs)", "\(c.completed)", "\(notCompleted)",
            ])
        }
        print(table(rows))
        if docs.count > limit { print("(\(docs.count - limit) older; --limit N shows more)") }
    }

    static func time(_ ms: Int64) -> String { time(Double(ms)) }

    static func time(_ ms: Double) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: ms / 1000))
    }
}

/// Columns padded to their widest cell; the last column is not padded.
func table(_ rows: [[String]]) -> String {
    guard let columns = rows.map(\.count).max() else { return "" }
    var widths = Array(repeating: 0, count: columns)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    return rows.map { row in
        row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}
