import Foundation
import SpoolCore

#if canImport(Glibc)
    import Glibc
#endif

extension JobRunner {
    /// `publish_to`: the outputs just placed in `out/` go to the bucket (docs/publishing.md).
    ///
    /// A refused or failing upload ends the job `Failed` with the uploader's plain sentence, and the
    /// verified local files stay in `out/` whatever `keep_local` says (their stage names are dropped,
    /// so recovery does not take them back); `retry/` then finishes the job.
    func uploadOutputs(
        _ spec: JobSpec, _ publication: OutputPublisher.Publication, suffixes: [String], base: String,
        result: inout JobResult, report: @escaping @Sendable (JobReport) async -> Void
    ) async throws {
        guard let uploader else { return }
        let files = zip(publication.keys, suffixes).map {
            BucketUploader.File(local: publisher.outRoot + "/" + $0, suffix: $1)
        }
        do {
            let upload = try await uploader.upload(
                files, folder: spec.folder, base: base, jobID: spec.id, report: report)
            result.upload = upload
            result.uploadDurationMs = upload.durationMs
            if !uploader.keepLocal {
                // The stage names keep the data until the completion is durable; `out/` no longer shows it.
                for key in publication.keys { _ = unlink(publisher.outRoot + "/" + key) }
            }
        } catch let failure as BucketFailure {
            publisher.finish(publication)
            logger.warning(
                "upload to bucket failed",
                metadata: ["job.id": "\(spec.id)", "bucket": "\(uploader.target.bucket)"])
            throw AttemptEnd.failed(failure.message, .error, retryable: false)
        }
    }
}
