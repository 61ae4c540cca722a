import ArgumentParser
import Foundation
import SpoolCore
import SpoolService

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a job or a batch, as a table or as JSON.")

    @Argument(help: "A job ID or a batch ID.")
    var id: String

    @OptionGroup var options: RootOptions

    @Flag(help: "Print the status file's JSON.")
    var json = false

    func run() throws {
        let paths = try options.paths(try options.loadConfiguration())
        let id = id.lowercased()
        guard SpoolID.isValid(id) else { throw ValidationError("\(self.id) is not a job or batch ID (a UUID)") }
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
            return
        }
        if let jobs = doc["job_ids"] as? [String] {
            print(table(doc, keys: ["batch_id", "source", "status", "progress", "total_jobs", "folder"]))
            if let counts = doc["counts"] as? [String: Int] {
                print("counts: " + counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            }
            for job in jobs {
                let jobDoc = readJSON(paths.jobStatus(job)) ?? [:]
                print("  \(job)  \(jobDoc["status"] ?? "?")  \(jobDoc["step"] ?? "")  \(jobDoc["s3_key"] ?? jobDoc["error"] ?? "")")
            }
        } else {
            print(table(doc, keys: ["id", "batch_id", "url", "status", "step", "progress", "s3_key", "error", "error_type"]))
        }
    }

    private func table(_ doc: [String: Any], keys: [String]) -> String {
        keys.compactMap { key in
            guard let value = doc[key], !(value is NSNull) else { return nil }
            return key.padding(toLength: 12, withPad: " ", startingAt: 0) + " \(value)"
        }.joined(separator: "\n")
    }
}
