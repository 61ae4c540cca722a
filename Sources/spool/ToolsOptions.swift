import ArgumentParser
import Foundation
import Logging
import SpoolCore
import SpoolPipeline

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
