import Foundation
import Testing

@testable import SpoolCore

@Suite("spool nodes: states and rendering")
struct NodeListingTests {
    @Test("a stored up node is lost once its heartbeat is older than the lease; stopped and lost stay")
    func states() {
        #expect(NodeListing.state(stored: "up", heartbeatAgeSeconds: 29.9, leaseSeconds: 30) == .up)
        #expect(NodeListing.state(stored: "up", heartbeatAgeSeconds: 30.1, leaseSeconds: 30) == .lost)
        #expect(NodeListing.state(stored: "up", heartbeatAgeSeconds: 6, leaseSeconds: 5) == .lost)
        #expect(NodeListing.state(stored: "stopped", heartbeatAgeSeconds: 9_999, leaseSeconds: 30) == .stopped)
        #expect(NodeListing.state(stored: "stopped", heartbeatAgeSeconds: 1, leaseSeconds: 30) == .stopped)
        #expect(NodeListing.state(stored: "lost", heartbeatAgeSeconds: 1, leaseSeconds: 30) == .lost)
    }

    static let listing = NodeListing(
        engine: "postgresql", database: "postgres://spool:***@db/spool", leaseSeconds: 30,
        nodes: [
            .init(name: "a", state: .up, heartbeatAgeSeconds: 1.26, runningJobs: 2, version: "1.4", slots: 3),
            .init(name: "b-long-name", state: .lost, heartbeatAgeSeconds: 400, runningJobs: 0, version: "", slots: 3),
            .init(name: "c", state: .stopped, heartbeatAgeSeconds: 9_000, runningJobs: 0, version: "1.3", slots: 1),
        ])

    @Test("the table: one row per node, ages in s/min/h, - for no version")
    func table() {
        #expect(
            Self.listing.tableRows == [
                ["NODE", "STATE", "HEARTBEAT", "RUNNING", "SLOTS", "VERSION"],
                ["a", "up", "1 s ago", "2", "3", "1.4"],
                ["b-long-name", "lost", "6 min ago", "0", "3", "-"],
                ["c", "stopped", "2 h ago", "0", "1", "1.3"],
            ])
        #expect(Self.listing.heading.contains("postgres://spool:***@db/spool"))
        #expect(Self.listing.heading.contains("3 node(s)") && Self.listing.heading.contains("(30 s)"))
    }

    @Test("the JSON: every field, heartbeat_age_s to a tenth or null (a SQLite root)")
    func json() throws {
        let object = try #require(
            JSONSerialization.jsonObject(with: Data(try Self.listing.json().utf8)) as? [String: Any])
        #expect(object["engine"] as? String == "postgresql")
        #expect(object["lease_s"] as? Int == 30)
        #expect(object["database"] as? String == "postgres://spool:***@db/spool")
        let nodes = try #require(object["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["name"] as? String } == ["a", "b-long-name", "c"])
        #expect(nodes.map { $0["state"] as? String } == ["up", "lost", "stopped"])
        #expect(nodes[0]["heartbeat_age_s"] as? Double == 1.3)
        #expect(nodes[0]["running_jobs"] as? Int == 2 && nodes[0]["slots"] as? Int == 3)
        #expect(nodes[1]["version"] as? String == "")

        let sqlite = NodeListing(
            engine: "sqlite", database: "/srv/spool/state/spool.sqlite", leaseSeconds: 30,
            nodes: [.init(name: "h", state: .stopped, heartbeatAgeSeconds: nil, runningJobs: 0, version: "", slots: 3)]
        )
        let text = try sqlite.json()
        #expect(text.contains(#""heartbeat_age_s" : null"#), "\(text)")
        #expect(sqlite.heading.contains("single node"))
        #expect(sqlite.tableRows[1] == ["h", "stopped", "-", "0", "3", "-"])
    }
}
