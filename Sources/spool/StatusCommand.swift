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
        guard let data = FileManager.default.contents(atPath: path), let doc = readJSON(path) else {
            throw ValidationError("cannot read \(path)")
        }
        if json {
            FileHandle.standardOutput.write(data)
            if data.last != UInt8(ascii: "\n") { FileHandle.standardOutput.write(Data("\n".utf8)) }
            return
        }
        if let jobs = doc["job_ids"] as? [String] {
            printBatch(doc, jobs: jobs, paths: paths)
        } else {
            printJob(doc)
        }
    }

    private func printBatch(_ doc: [String: Any], jobs: [String], paths: SpoolPaths) {
        print(fields(doc, [
            ("batch", "batch_id"), ("source", "source"), ("folder", "folder"), ("status", "status"),
            ("progress", "progress"), ("created", "created_at"), ("finished", "finished_at"),
        ]))
        if let counts = doc["counts"] as? [String: Any] {
            let order = ["Completed", "Processing", "Pending", "Failed", "Warning", "Skipped"]
            print("counts    " + order.map { "\($0) \(counts[$0].map { "\($0)" } ?? "0")" }.joined(separator: " · "))
        }
        print("")
        var rows = [["JOB", "STATUS", "STEP", "PROGRESS", "OUTPUT / ERROR"]]
        for job in jobs {
            let jobDoc = readJSON(paths.jobStatus(job)) ?? [:]
            let line = JobLine(id: job, doc: jobDoc)
            rows.append([
                job, line.status, line.step, line.isTerminal && line.status != "Completed" ? "" : line.detail,
                line.output ?? line.error.map { "\(line.status): \($0)" } ?? "",
            ])
        }
        print(table(rows))
    }

    private func printJob(_ doc: [String: Any]) {
        let line = JobLine(id: doc["id"] as? String ?? "", doc: doc)
        var text = fields(doc, [("job", "id"), ("batch", "batch_id"), ("url", "url"), ("status", "status"), ("step", "step")])
        if !line.detail.isEmpty && !(line.isTerminal && line.status != "Completed") {
            text += "\n" + "progress".padding(toLength: 10, withPad: " ", startingAt: 0) + line.detail
        }
        text += "\n" + fields(doc, [
            ("output", "output_path"), ("size", "file_size"), ("duration", "duration_s"), ("quality", "actual_quality"),
            ("codecs", "output_video_codec"), ("error", "error"), ("type", "error_type"), ("attempt", "attempt"),
            ("retries", "download_retries"), ("created", "created_at"), ("started", "started_at"),
            ("finished", "finished_at"), ("note", "note"),
        ])
        print(text)
    }

    /// `label     value` lines for the keys present and not null; timestamps shown as local time.
    private func fields(_ doc: [String: Any], _ keys: [(String, String)]) -> String {
        keys.compactMap { label, key in
            guard let value = doc[key], !(value is NSNull) else { return nil }
            var text = "\(value)"
            if key.hasSuffix("_at"), let ms = number(value) { text = Self.time(ms) }
            if key == "file_size", let bytes = number(value) { text = formatBytes(bytes) }
            if key == "progress" { text += "%" }
            if key == "output_video_codec", let audio = doc["output_audio_codec"] as? String { text += " + \(audio)" }
            return label.padding(toLength: 10, withPad: " ", startingAt: 0) + text
        }.joined(separator: "\n")
    }

    private func listRecent(_ paths: SpoolPaths) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: paths.batches)) ?? []
        let docs = names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .compactMap { readJSON(paths.batches + "/" + $0) }
            .sorted { (number($0["created_at"]) ?? 0) > (number($1["created_at"]) ?? 0) }
        if docs.isEmpty {
            print("no batches under \(paths.root)")
            return
        }
        var rows = [["BATCH", "CREATED", "SOURCE", "STATUS", "DONE", "COMPLETED", "NOT COMPLETED"]]
        for doc in docs.prefix(limit) {
            let counts = doc["counts"] as? [String: Any] ?? [:]
            func c(_ k: String) -> Int { Int(number(counts[k]) ?? 0) }
            let total = Int(number(doc["total_jobs"]) ?? 0)
            let done = c("Completed") + c("Failed") + c("Warning") + c("Skipped")
            rows.append([
                doc["batch_id"] as? String ?? "?", number(doc["created_at"]).map(Self.time) ?? "",
                doc["source"] as? String ?? "", doc["status"] as? String ?? "", "\(done)/\(total)",
                "\(c("Completed"))", "\(c("Failed") + c("Warning") + c("Skipped"))",
            ])
        }
        print(table(rows))
        if docs.count > limit { print("(\(docs.count - limit) older; --limit N shows more)") }
    }

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
