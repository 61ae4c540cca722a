import Foundation
import Logging

extension JobRunner {
    /// Logs (debug) which yt-dlp this job runs: the realpath of `yt_dlp_path`, which names the
    /// version directory when the entry of `spool tools update` is configured (tool-behaviour §4),
    /// so a log shows from which job on a running service used a switched version.
    func logYtDlpInUse(jobID: String) {
        guard logger.logLevel <= .debug else { return }
        let program = tools.ytDlp
        let resolved = program.contains("/") ? URL(fileURLWithPath: program).resolvingSymlinksInPath().path : program
        logger.debug("yt-dlp in use", metadata: ["job.id": "\(jobID)", "yt_dlp": "\(resolved)"])
    }
}
