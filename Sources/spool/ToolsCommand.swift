import ArgumentParser
import Foundation
import Logging
import SpoolCore
import SpoolPipeline

/// `spool tools`: keeping yt-dlp current (update, rollback). tool-behaviour §3.
struct ToolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tools",
        abstract: "Keep yt-dlp current: install a newer one beside the old, self-test it, switch; roll back.",
        discussion: """
            Versions live side by side in <venv>/spool-tools/yt-dlp/versions/; the entry \
            <venv>/spool-tools/yt-dlp/yt-dlp points at one of them. Set yt_dlp_path to that entry: \
            every job runs it afresh, so a running service uses a new version from its next job on.
            """,
        subcommands: [ToolsUpdateCommand.self, ToolsRollbackCommand.self]
    )
}

/// `--venv`, `--root` and `--config`, shared by the `tools` subcommands.
struct ToolsOptions: ParsableArguments {
    @OptionGroup var root: RootOptions

    @Option(
        help: ArgumentHelp(
            "The venv that holds the yt-dlp versions (default: the venv of yt_dlp_path).", valueName: "dir"))
    var venv: String?

    /// The configuration, the configured yt-dlp as found now (nil when absent), and the layout to manage.
    func resolve() throws -> (configuration: SpoolConfiguration, inUse: String?, layout: ToolsLayout) {
        let configuration = try root.loadConfiguration()
        let configured = configuration.ytDlpPath
        let inUse = DoctorCommand.resolve(configured)
        let program = configured.contains("/") ? configured : inUse
        guard let venv = venv ?? program.flatMap(ToolsLayout.venv(forProgram:)) else {
            throw ValidationError(
                "yt_dlp_path is \(configured), which is in no venv; pass --venv DIR (a python3 -m venv "
                    + "directory) to keep yt-dlp versions there")
        }
        return (configuration, inUse, ToolsLayout(venv: venv))
    }

    /// A logger for the steps (stderr, logfmt); the commands print their own summary on stdout.
    static func logger() -> Logger {
        var handler = LogfmtHandler(label: "spool.tools")
        handler.logLevel = .warning
        return Logger(label: "spool.tools") { _ in handler }
    }

    /// The note printed when the service would not run the entry.
    static func entryNote(configured: String, layout: ToolsLayout) -> String? {
        let standardized = URL(fileURLWithPath: configured).standardizedFileURL.path
        guard !configured.contains("/") || standardized != layout.entry else { return nil }
        return "note: yt_dlp_path is \(configured); set it to \(layout.entry) (in the configuration file or "
            + "SPOOL_YT_DLP_PATH) so spool runs the switched version"
    }
}

/// A `tools` failure: printed on stderr, exit 1.
struct ToolsCommandError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

extension ToolsCommandError {
    /// Prints `error` (a ToolsError or ToolsCommandError) and gives exit 1.
    static func exit(_ error: Error) -> ExitCode {
        FileHandle.standardError.write(Data("spool tools: \(error)\n".utf8))
        return ExitCode(1)
    }
}
