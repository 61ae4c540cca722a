import ArgumentParser
import Foundation

@main
struct SpoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spool",
        abstract: "A watch-folder video-download service: drop a batch JSON into the inbox, get files and status back.",
        subcommands: [
            ServeCommand.self, SubmitCommand.self, ValidateCommand.self, StatusCommand.self,
            DoctorCommand.self, ConfigCommand.self, DemoCommand.self, ToolsCommand.self,
            MigrateCommand.self, NodesCommand.self,
        ]
    )
}
