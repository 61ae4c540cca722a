import SpoolCore
import SpoolPipeline

extension DoctorCommand {
    /// Which way `spool serve` runs yt-dlp: through the fork server (a warm Python helper, forked per
    /// download) or exec'd, and why (docs/ytdlp-fork-server.md).
    static func checkForkServer(_ configuration: SpoolConfiguration, report: Report) {
        let program = YtDlpForkServer.Program.inspect(configuration.ytDlpPath)
        let name = "yt-dlp run"
        switch (configuration.ytDlpForkServer, program.interpreter) {
        case (false, _):
            report(.ok, name, "exec per download (ytdlp_fork_server is false)")
        case (_, let interpreter?):
            report(.ok, name, "fork server: \(interpreter) imports yt_dlp once, forks a child per download")
        case (true, nil):
            report(
                .warn, name,
                "exec per download: ytdlp_fork_server is true but \(program.path ?? configuration.ytDlpPath) is not a "
                    + "Python entry point (install yt-dlp with pip into a venv to use the fork server)")
        case (nil, nil):
            let why = program.path.map { "\($0) is not a Python entry point" } ?? "\(configuration.ytDlpPath) not found"
            report(.ok, name, "exec per download (\(why))")
        }
    }
}
