import Foundation
import SpoolCore

/// Everything the runner needs to run one attempt of a job; built by the service from the store.
package struct JobSpec: Sendable {
    package var id: String
    package var url: String
    package var filename: String?
    package var folder: String?
    package var options: JobOptions
    /// `work/<job_id>/`: scratch space, removed after the attempt.
    package var workDirectory: String

    package init(
        id: String, url: String, filename: String?, folder: String?, options: JobOptions, workDirectory: String
    ) {
        self.id = id
        self.url = url
        self.filename = filename
        self.folder = folder
        self.options = options
        self.workDirectory = workDirectory
    }

    /// The attempt's scratch directory.
    var work: WorkDirectory { WorkDirectory(workDirectory) }
}

/// What an attempt came to.
package enum JobOutcome: Sendable {
    /// Published; the caller records the result, then calls `JobExecuting.finish`.
    case completed(JobResult, PublishedOutput)
    case failed(FailureClass)
    case skipped(String)
    /// The task was cancelled (a cancel file or shutdown); the caller knows which.
    case cancelled
}

/// What the runner tells the service while it works.
package enum JobReport: Sendable {
    case step(JobStep)
    case progress(JobProgress)
}

/// Paths and limits of the external tools.
package struct ToolPaths: Sendable {
    package var ytDlp: String
    package var ffmpeg: String
    package var ffprobe: String
    package var socketTimeout: Int
    package var subtitleLanguages: [String]?

    package init(ytDlp: String, ffmpeg: String, ffprobe: String, socketTimeout: Int, subtitleLanguages: [String]?) {
        self.ytDlp = ytDlp
        self.ffmpeg = ffmpeg
        self.ffprobe = ffprobe
        self.socketTimeout = socketTimeout
        self.subtitleLanguages = subtitleLanguages
    }
}
