import Foundation
import SpoolCore
import SpoolPipeline
import SpoolStore

#if canImport(Glibc)
    import Glibc
#endif

extension ControlFiles {
    /// `purge/<job_id>` (docs/publishing.md, the hosted API's `DELETE /jobs/{id}/file`): deletes a
    /// Completed job's outputs, the objects in the bucket and the files in `out/`, clears its URLs and
    /// sets `file_deleted_at`; the job record stays. Returns the problems for an error receipt.
    func purge(_ name: String) async throws -> [String] {
        let id = name.lowercased()
        guard SpoolID.isValid(id), var job = try await store.fetchJob(id: id) else {
            return ["no job has the ID \(name)"]
        }
        guard job.status == .completed, var result = job.result, result.fileDeletedAt == nil,
            result.s3Key != nil || result.upload != nil
        else { return ["job \(job.id) has no files to delete (only a Completed job's outputs can be purged)"] }
        if let upload = result.upload {
            guard let uploader, uploader.target.bucket == upload.bucket else {
                return [
                    "job \(job.id)'s outputs are in the bucket \(upload.bucket), which publish_to does not name now"
                ]
            }
            do {
                try await uploader.delete(keys: upload.allKeys)
            } catch let failure as BucketFailure {
                return [failure.message]
            } catch {
                return ["the objects of job \(job.id) could not be deleted; try again"]
            }
        }
        let local = [result.s3Key].compactMap { $0 } + result.subtitleKeys + [result.thumbnailKey].compactMap { $0 }
        for key in local { _ = unlink(paths.out + "/" + key) }
        result.fileDeletedAt = Date().millisecondsSince1970
        job.result = result
        guard (try? await store.savePurgedJob(job)) == true else {
            return ["the purge of job \(job.id) could not be recorded; try again"]
        }
        await status.write(job: job)
        logger.info(
            "outputs purged", metadata: ["job.id": "\(job.id)", "objects": "\(result.upload?.allKeys.count ?? 0)"])
        return []
    }
}
