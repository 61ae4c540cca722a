import Foundation
import Logging
import SpoolCore
import SpoolPipeline

extension DoctorCommand {
    /// `publish_to`: the bucket accepts the credentials and a test object is written, read and deleted.
    static func checkBucket(_ configuration: SpoolConfiguration, report: Report) async {
        guard let uploader = BucketUploader.make(configuration, logger: Logger(label: "spool.doctor")) else { return }
        let target = uploader.target.description
        guard resolve(uploader.rclone) != nil else {
            report(.fail, "bucket", "publish_to is \(target) but rclone is not installed (scripts/ensure-deps.sh)")
            return
        }
        do {
            try await uploader.check()
            report(.ok, "bucket", "\(target): credentials accepted; a test object was written, read and deleted")
        } catch let failure as BucketFailure {
            report(.fail, "bucket", failure.message)
        } catch {
            report(.fail, "bucket", "\(target) could not be checked: \(error)")
        }
    }
}
