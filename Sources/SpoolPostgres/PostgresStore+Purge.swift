import PostgresNIO
import SpoolCore
import SpoolStore

/// `purge/` (Store+Purge.swift): the one change a terminal job may still get.
extension PostgresStore {
    /// Records a Completed job's result after its outputs were deleted; false when the job (as stored, or
    /// as given) is not Completed, or does not exist.
    package func savePurgedJob(_ job: JobRecord) async throws -> Bool {
        let row = try job.canonicalRow()
        return try await transaction { connection, logger in
            // FOR UPDATE: a node's concurrent write waits, so the check and the write see the same row.
            guard
                let current = try await Self.jobs(
                    "WHERE id = $1 FOR UPDATE", binds: Self.binds(job.id), on: connection, logger: logger
                ).first, current.status == .completed, job.status == .completed
            else { return false }
            try await Self.update(row, on: connection, logger: logger)
            return true
        }
    }
}
