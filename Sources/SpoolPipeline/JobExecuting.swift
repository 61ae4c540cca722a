import Foundation

/// The scheduler's view of the pipeline; the real one is `JobRunner`, unit tests pass a fake.
package protocol JobExecuting: Sendable {
    /// Runs one attempt. Cancelling the calling task stops it and yields `.cancelled`; `stop` says
    /// why (the scheduler marks a `cancel/` request before it cancels the task).
    func run(_ spec: JobSpec, stop: StopRequest, report: @escaping @Sendable (JobReport) async -> Void) async
        -> JobOutcome
    /// The completion is durable: drop the publication's stage files.
    func finish(_ publication: PublishedOutput)
    /// The completion could not be recorded: take the published files back.
    func undo(jobID: String, folder: String?)
}

/// What a completed attempt published, handed back to `JobExecuting.finish` once the completion is
/// durable; opaque outside the pipeline.
package struct PublishedOutput: Sendable {
    let publication: OutputPublisher.Publication

    init(_ publication: OutputPublisher.Publication) { self.publication = publication }
}

extension JobRunner: JobExecuting {
    package func finish(_ publication: PublishedOutput) { publisher.finish(publication.publication) }
    package func undo(jobID: String, folder: String?) { publisher.recover(jobID: jobID, folder: folder) }
}
