import Foundation
import Testing

@testable import SpoolCore

@Suite("Configuration: the cluster keys (database, node_name, work, lease_s)")
struct ClusterConfigurationTests {
    @Test("defaults: sqlite, the host name, <root>/work, a 30 s lease")
    func defaults() throws {
        let config = try ConfigFixture.load("{}")
        #expect(config.database == "sqlite")
        #expect(!config.usesPostgres)
        #expect(config.nodeName == nil)
        #expect(NodeName.isValid(config.nodeNameInForce))
        #expect(config.work == nil)
        #expect(config.leaseSeconds == 30)
    }

    @Test("each layer sets them: file, SPOOL_* variables, flags")
    func layers() throws {
        let url = "postgres://spool:pw@db.example:5433/spool"
        let fromFile = try ConfigFixture.load(
            #"{"database": "\#(url)", "node_name": "n1", "work": "/scratch", "lease_s": 12}"#)
        #expect(fromFile.database == url && fromFile.usesPostgres)
        #expect(fromFile.nodeName == "n1" && fromFile.work == "/scratch" && fromFile.leaseSeconds == 12)
        let fromEnvironment = try ConfigLoader.load(
            file: nil,
            environment: [
                "SPOOL_DATABASE": url, "SPOOL_NODE_NAME": "node-2.a_b", "SPOOL_WORK": "/w", "SPOOL_LEASE_S": "5",
            ],
            flags: ["work": .string("/flag-work")]
        ).configuration
        #expect(fromEnvironment.nodeName == "node-2.a_b" && fromEnvironment.nodeNameInForce == "node-2.a_b")
        #expect(fromEnvironment.leaseSeconds == 5)
        #expect(fromEnvironment.work == "/flag-work", "a flag beats the environment")
    }

    static let bad: [BadConfiguration] = [
        .init(
            environment: ["SPOOL_LEASE_S": "4"],
            message: "lease_s must be at least 5 (seconds), not 4 (set by SPOOL_LEASE_S)"),
        .init(file: #"{"lease_s": 2.5}"#, message: "lease_s must be a whole number, not 2.5 (in PATH)"),
        .init(
            file: #"{"node_name": "my node!"}"#,
            message: #"node_name must be 1 to 63 letters, digits, '.', '-' or '_', not "my node!" (in PATH)"#),
        .init(
            flags: ["node_name": .string(String(repeating: "n", count: 64))],
            message:
                "node_name must be 1 to 63 letters, digits, '.', '-' or '_', not \"\(String(repeating: "n", count: 64))\" (set by --node-name)"
        ),
        .init(file: #"{"work": ""}"#, message: "work must not be empty (in PATH)"),
        .init(
            environment: ["SPOOL_DATABASE": "mysql://spool:hunter2-secret@db/spool"],
            message:
                "database must be sqlite or a PostgreSQL URL, postgres://user[:password]@host[:port]/dbname (docs/cluster.md) (set by SPOOL_DATABASE)"
        ),
    ]

    @Test("a bad value names the key, what to do and where it was set", arguments: bad)
    func rejected(_ bad: BadConfiguration) throws {
        let message = try ConfigFixture.problem(file: bad.file, environment: bad.environment, flags: bad.flags)
        #expect(message == bad.message)
        #expect(message?.contains("hunter2") == false, "a database password in a message")
    }

    @Test("node names: the rule, and the default made from any host name")
    func nodeNames() {
        #expect(NodeName.isValid("a") && NodeName.isValid("spool-1.example_2"))
        #expect(NodeName.isValid(String(repeating: "x", count: 63)))
        #expect(!NodeName.isValid(String(repeating: "x", count: 64)))
        #expect(!NodeName.isValid("") && !NodeName.isValid("a/b") && !NodeName.isValid("nœud"))
        #expect(NodeName.fromHostName("web 1/é") == "web-1--")
        #expect(NodeName.fromHostName("") == "node")
        #expect(NodeName.fromHostName(String(repeating: "h", count: 80)).count == 63)
    }
}
