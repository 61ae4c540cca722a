import PostgresNIO

extension PostgresStore {
    /// For tests of the lease rules: moves a job's lease end to `secondsLeft` from now on the database
    /// clock (0: expired already), as if its node had stopped renewing it.
    package func expireLeases(of jobID: String, secondsLeft: Int = 0) async throws {
        try await transaction { connection, logger in
            try await connection.query(
                """
                UPDATE job SET leased_until = now() + make_interval(secs => \(secondsLeft)) - interval '1 millisecond'
                WHERE id = \(jobID) AND lease_id IS NOT NULL
                """, logger: logger)
        }
    }
}
