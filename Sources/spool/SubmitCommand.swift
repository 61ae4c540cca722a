import ArgumentParser
import Foundation
import SpoolCore
import SpoolFiles
import SpoolService

struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Validate batch files, then place each atomically in the inbox (dot-name, then rename).",
        discussion: """
            With --wait, shows the batches live until they are done: one progress bar per job on a \
            terminal, one line per change otherwise. Exit status with --wait: 0 when every job \
            completed, 2 when a batch file was rejected, 1 otherwise. Ctrl-C stops watching, not the jobs.
            """)

    @Argument(help: "Batch files to submit.")
    var files: [String]

    @OptionGroup var options: RootOptions

    @Flag(help: "Accept URLs on loopback or private networks.")
    var allowPrivateNetwork = false

    @Flag(help: "Wait until every batch is done, showing progress; exit 0 only if all jobs completed.")
    var wait = false

    func run() async throws {
        let configuration = try options.loadConfiguration()
        let paths = try options.paths(configuration)
        try FileManager.default.createDirectory(atPath: paths.inbox, withIntermediateDirectories: true)
        var placed: [String] = []
        var invalid = false
        for file in files {
            if case .failure(let problems) = BatchChecker.check(
                file: file, allowPrivateNetwork: allowPrivateNetwork || configuration.allowPrivateNetwork)
            {
                invalid = true
                print("\(file): \(problems.summary); not submitted")
                for problem in problems.errors { print("  \(problem.field): \(problem.message)") }
                continue
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            let name = freeInboxName(for: (file as NSString).lastPathComponent, paths: paths)
            let hidden = paths.inbox + "/." + name + ".submit"
            try AtomicFile.write(data, to: hidden)
            try AtomicFile.move(from: hidden, to: paths.inbox + "/" + name)
            print("\(file): submitted as inbox/\(name)")
            placed.append(name)
        }
        guard wait else {
            if invalid { throw ExitCode(1) }
            return
        }
        // A file that fails the service's rules here is a rejection, as the service would answer.
        var outcome: BatchWaiter.Outcome = invalid ? .rejected : .allCompleted
        if !placed.isEmpty {
            let watched = try await BatchWaiter(paths: paths).wait(for: placed)
            if outcome != .rejected { outcome = watched }
        }
        if outcome != .allCompleted { throw ExitCode(outcome.exitCode) }
    }

    /// A name not already waiting in the inbox nor answered by a receipt.
    private func freeInboxName(for name: String, paths: SpoolPaths) -> String {
        let stem = name.hasSuffix(".json") ? String(name.dropLast(5)) : name
        var index = 1
        while true {
            let candidate = OutputNaming.fileName(base: stem, ext: "json", index: index)
            let candidateStem = String(candidate.dropLast(5))
            let fm = FileManager.default
            if !fm.fileExists(atPath: paths.inbox + "/" + candidate)
                && !fm.fileExists(atPath: paths.receipts + "/" + candidateStem + ".json")
            {
                return candidate
            }
            index += 1
        }
    }
}
