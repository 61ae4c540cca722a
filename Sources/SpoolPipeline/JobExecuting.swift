import Foundation

/// The scheduler's view of the pipeline; the real one is `JobRunner`, unit tests pass a fake.
package protocol JobExecuting: Sendable {
    /// Runs one attempt. Cancelling the calling task stops it and yields `.cancelled`.
    func run(_ spec: JobSpec, report: @escaping @Sendable (JobReport) async -> Void) async -> JobOutcome
    /// The completion is durable: drop the publication's stage files.
    func finish(_ publication: OutputPublisher.Publication)
    /// The completion could not be recorded: take the published files back.
    func undo(jobID: String, folder: String?)
}

extension JobRunner: JobExecuting {
    package func finish(_ publication: OutputPublisher.Publication) { publisher.finish(publication) }
    package func undo(jobID: String, folder: String?) { publisher.recover(jobID: jobID, folder: folder) }
}
