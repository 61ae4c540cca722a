import Foundation

/// The cluster's keys (docs/cluster.md): `database`, `node_name`, `work`, `lease_s`.
extension SpoolConfiguration {
    /// The least `lease_s`: a shorter lease is lost to one slow heartbeat on a loaded machine.
    package static let minimumLeaseSeconds = 5

    /// True when `database` names a PostgreSQL server rather than the root's SQLite file.
    package var usesPostgres: Bool { database != "sqlite" }

    /// `node_name`, else the host name made to fit the rule (`NodeName.fromHostName`).
    package var nodeNameInForce: String { nodeName ?? NodeName.fromHostName(ProcessInfo.processInfo.hostName) }

    /// The cluster keys' checks, after the others in `check`. A `database` value is never echoed: it may
    /// hold a password. Only its shape is checked here (SpoolCore has no PostgreSQL parser); the
    /// executable parses the URL with the engine's `PostgresURL` before using it.
    func checkCluster() throws {
        func problem(_ key: CodingKeys, _ rule: String) -> ConfigurationError {
            ConfigurationError(message: "\(key.rawValue) \(rule)", key: key.rawValue)
        }
        let scheme = database.lowercased()
        if database != "sqlite" && !scheme.hasPrefix("postgres://") && !scheme.hasPrefix("postgresql://") {
            throw problem(
                .database,
                "must be sqlite or a PostgreSQL URL, postgres://user[:password]@host[:port]/dbname (docs/cluster.md)")
        }
        if let nodeName, !NodeName.isValid(nodeName) {
            throw problem(
                .nodeName,
                "must be 1 to \(NodeName.maximumLength) letters, digits, '.', '-' or '_', not \"\(nodeName)\"")
        }
        if leaseSeconds < Self.minimumLeaseSeconds {
            throw problem(.leaseSeconds, "must be at least \(Self.minimumLeaseSeconds) (seconds), not \(leaseSeconds)")
        }
    }
}
