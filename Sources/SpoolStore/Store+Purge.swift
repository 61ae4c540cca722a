import Foundation
import GRDB
import SpoolCore

extension Store {
    /// `purge/`: records a Completed job's result after its outputs were deleted. The one change a
    /// terminal job may still get (`save` refuses them); false when the job is not Completed.
    package func recordPurge(_ job: JobRecord) throws -> Bool {
        try writer.write { db in
            guard let current = try JobRecord.fetchOne(db, key: job.id), current.status == .completed,
                job.status == .completed
            else { return false }
            try job.update(db)
            return true
        }
    }
}
