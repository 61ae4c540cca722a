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

extension PostgresStore {
    /// For tests of the node rules: moves node `name`'s last heartbeat `seconds` into the past on the
    /// database clock, as if it had stopped beating then.
    package func silenceNode(_ name: String, seconds: Int) async throws {
        try await transaction { connection, logger in
            try await connection.query(
                "UPDATE node SET heartbeat_at = now() - make_interval(secs => \(seconds)) WHERE name = \(name)",
                logger: logger)
        }
    }

    /// For tests of the node rules: node `name`'s state (`up`, `lost`, `stopped`), nil when it has no row.
    package func nodeState(_ name: String) async throws -> String? {
        try await transaction { connection, logger in
            var state: String?
            for try await value in try await connection.query(
                "SELECT state FROM node WHERE name = \(name)", logger: logger
            ).decode(String.self) {
                state = value
            }
            return state
        }
    }

    /// For tests of the node rules: the node named by the job's claim (`job.node`); nil when none.
    package func claimingNode(of jobID: String) async throws -> String? {
        try await transaction { connection, logger in
            var node: String?
            for try await value in try await connection.query(
                "SELECT node FROM job WHERE id = \(jobID)", logger: logger
            ).decode(String?.self) {
                node = value
            }
            return node
        }
    }
}
