import Foundation
import SpoolCore
import SpoolPipeline

extension SpoolMetrics {
    /// The upload step's reports (docs/publishing.md): its progress counts as uploaded bytes, not downloaded
    /// ones. True when the report was the upload's (the caller then does nothing more).
    func uploadProgress(_ report: JobReport, jobID: String) -> Bool {
        switch report {
        case .step(let step):
            state.withLock { s in
                if step == .uploading { s.uploaded[jobID] = 0 } else { s.uploaded.removeValue(forKey: jobID) }
            }
            return false
        case .progress(let p):
            let delta: Int64? = state.withLock { s in
                guard let last = s.uploaded[jobID], let bytes = p.downloadedBytes, bytes >= 0 else {
                    return s.uploaded[jobID] == nil ? nil : 0
                }
                s.uploaded[jobID] = bytes
                // rclone's count starts again at 0 for each file of the job.
                return bytes >= last ? bytes - last : bytes
            }
            guard let delta else { return false }
            if delta > 0 { uploadedBytes.increment(by: delta) }
            changed()
            return true
        }
    }
}
