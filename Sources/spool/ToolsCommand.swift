import ArgumentParser
import Foundation

/// `spool tools`: keeping yt-dlp current (update, rollback). tool-behaviour §4.
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
