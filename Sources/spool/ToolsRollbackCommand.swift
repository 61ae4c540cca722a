import ArgumentParser
import Foundation
import SpoolCore
import SpoolPipeline

/// `spool tools rollback`: points the yt-dlp entry back at the previous version (the two trade
/// places, so a second rollback goes forward again). tool-behaviour §4.
struct ToolsRollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Switch yt-dlp back to the version before the last update (run again to go forward).")

    @OptionGroup var options: ToolsOptions

    func run() async throws {
        let (configuration, _, layout) = try options.resolve()
        do {
            try await layout.withLock { try await rollback(layout) }
        } catch let error as ToolsError {
            throw ToolsCommandError.exit(error)
        }
        if let note = ToolsOptions.entryNote(configured: configuration.ytDlpPath, layout: layout) { print(note) }
    }

    /// Checks the previous version still runs, switches the entry to it, swaps the record's two entries.
    private func rollback(_ layout: ToolsLayout) async throws {
        guard let record = try layout.readRecord() else {
            throw ToolsError("no \(layout.recordPath): nothing to roll back; `spool tools update` keeps one")
        }
        guard let previous = record.previous, let next = record.rolledBack(at: ToolsLayout.timestamp()) else {
            throw ToolsError("only yt-dlp \(record.current.version) was ever switched to; nothing to roll back to")
        }
        let reported = await YtDlpInstaller.reportedVersion(of: previous.program)
        guard let reported, YtDlpVersion(reported) == YtDlpVersion(previous.version) else {
            throw ToolsError(
                "the previous yt-dlp \(previous.version) (\(previous.program)) reports "
                    + "\(reported ?? "nothing"); not switched. Install it again: spool tools update --version "
                    + previous.version)
        }
        try layout.switchEntry(to: previous.program)
        try layout.writeRecord(next)
        print(
            "rolled back: \(layout.entry) -> yt-dlp \(previous.version) (was \(record.current.version); "
                + "run `spool tools rollback` again to go forward)")
    }
}
