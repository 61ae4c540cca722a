import Foundation

/// What `spool nodes` prints: the nodes of a PostgreSQL database, or the one node of a SQLite root, each
/// with its state, heartbeat age, running jobs, version and slots (docs/cluster.md).
package struct NodeListing: Sendable, Equatable, Encodable {
    /// `up` while its heartbeat is younger than the lease; `lost` after; `stopped` after a graceful stop.
    package enum State: String, Sendable, Equatable, Encodable {
        case up, lost, stopped
    }

    package struct Node: Sendable, Equatable, Encodable {
        package var name: String
        package var state: State
        /// Seconds since the last heartbeat, on the database's clock; nil on a SQLite root (no heartbeat).
        package var heartbeatAgeSeconds: Double?
        package var runningJobs: Int
        /// The node's spool version; empty when it did not say.
        package var version: String
        package var slots: Int

        package init(
            name: String, state: State, heartbeatAgeSeconds: Double?, runningJobs: Int, version: String, slots: Int
        ) {
            (self.name, self.state, self.heartbeatAgeSeconds) = (name, state, heartbeatAgeSeconds)
            (self.runningJobs, self.version, self.slots) = (runningJobs, version, slots)
        }

        enum CodingKeys: String, CodingKey {
            case name, state, version, slots
            case heartbeatAgeSeconds = "heartbeat_age_s"
            case runningJobs = "running_jobs"
        }

        package func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(state, forKey: .state)
            try c.encodeOrNull(heartbeatAgeSeconds.map { ($0 * 10).rounded() / 10 }, forKey: .heartbeatAgeSeconds)
            try c.encode(runningJobs, forKey: .runningJobs)
            try c.encode(version, forKey: .version)
            try c.encode(slots, forKey: .slots)
        }
    }

    /// `postgresql` or `sqlite`.
    package var engine: String
    /// Where the nodes were read: the URL with its password masked, or the SQLite file.
    package var database: String
    package var leaseSeconds: Int
    package var nodes: [Node]

    package init(engine: String, database: String, leaseSeconds: Int, nodes: [Node]) {
        (self.engine, self.database, self.leaseSeconds, self.nodes) = (engine, database, leaseSeconds, nodes)
    }

    enum CodingKeys: String, CodingKey {
        case engine, database, nodes
        case leaseSeconds = "lease_s"
    }

    /// A node row's state as `spool nodes` reports it: a stored `up` whose heartbeat is older than the
    /// lease is `lost` (the node died without saying so; its leases have expired or are about to).
    package static func state(stored: String, heartbeatAgeSeconds: Double, leaseSeconds: Int) -> State {
        switch stored {
        case "stopped": .stopped
        case "lost": .lost
        default: heartbeatAgeSeconds > Double(leaseSeconds) ? .lost : .up
        }
    }

    /// The line above the table: what was read and what the states mean there.
    package var heading: String {
        if engine == "sqlite" {
            return
                "SQLite root \(database): a single node, up while a spool serve holds the root's state lock (no heartbeat)"
        }
        return
            "PostgreSQL \(database): \(nodes.count) node(s); lost = no heartbeat for more than lease_s (\(leaseSeconds) s)"
    }

    /// The table's rows, header first (the executable aligns them).
    package var tableRows: [[String]] {
        [["NODE", "STATE", "HEARTBEAT", "RUNNING", "SLOTS", "VERSION"]]
            + nodes.map { node in
                [
                    node.name, node.state.rawValue, node.heartbeatAgeSeconds.map(Self.age) ?? "-",
                    "\(node.runningJobs)", "\(node.slots)", node.version.isEmpty ? "-" : node.version,
                ]
            }
    }

    /// The JSON form (`--json`): sorted keys, `heartbeat_age_s` to a tenth of a second or null.
    package func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// `4 s ago`, `12 min ago`, `3 h ago`.
    static func age(_ seconds: Double) -> String {
        let whole = max(0, Int(seconds.rounded(.down)))
        if whole < 120 { return "\(whole) s ago" }
        if whole < 7200 { return "\(whole / 60) min ago" }
        return "\(whole / 3600) h ago"
    }
}
