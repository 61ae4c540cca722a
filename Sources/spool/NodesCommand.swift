import ArgumentParser
import Foundation
import Logging
import SpoolCore
import SpoolPostgres
import SpoolService
import SpoolStore

/// `spool nodes`: the nodes sharing a PostgreSQL database (docs/cluster.md), or the one node of a SQLite root.
struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes",
        abstract: "List the nodes: state (up, lost, stopped), heartbeat age, running jobs, slots, version.",
        discussion: """
            With a PostgreSQL database (--database, SPOOL_DATABASE or database in the configuration), every
            node that ever joined it; a node is lost when its heartbeat is older than lease_s. On a SQLite
            root there is a single node, up while a spool serve holds the root's state lock.
            The URL's password never appears in output or errors.
            """)

    @OptionGroup var options: RootOptions

    @Option(help: "postgres://user[:password]@host[:port]/dbname[?sslmode=…] (default: the configuration's database).")
    var database: String?

    @Flag(help: "Print the nodes as JSON.")
    var json = false

    func run() async throws {
        let effective = try options.loadEffective(extraFlags: database.map { ["database": .string($0)] } ?? [:])
        let configuration = effective.configuration
        let listing: NodeListing
        if let url = try DatabaseSetting.url(effective) {
            listing = await postgresNodes(url, leaseSeconds: configuration.leaseSeconds)
        } else {
            listing = try sqliteNode(configuration)
        }
        if json {
            print(try listing.json())
        } else {
            print(listing.heading)
            print(table(listing.tableRows))
        }
    }

    private func postgresNodes(_ url: PostgresURL, leaseSeconds: Int) async -> NodeListing {
        // postgres-nio logs connection trouble itself; the error is reported once, below.
        var logger = Logger(label: "spool.nodes")
        logger.logLevel = .critical
        do {
            let rows = try await PostgresStore.withStore(url: url, logger: logger, migrate: false) {
                try await $0.listNodes()
            }
            let nodes = rows.map { row in
                NodeListing.Node(
                    name: row.name,
                    state: NodeListing.state(
                        stored: row.storedState, heartbeatAgeSeconds: row.heartbeatAgeSeconds,
                        leaseSeconds: leaseSeconds),
                    heartbeatAgeSeconds: row.heartbeatAgeSeconds, runningJobs: row.runningJobs, version: row.version,
                    slots: row.slots)
            }
            return NodeListing(
                engine: "postgresql", database: url.description, leaseSeconds: leaseSeconds, nodes: nodes)
        } catch let error as PostgresStoreError where error.sqlState == "42P01" {
            fail(
                "\(url) has no node table: it is not a spool database yet (start spool serve with database set to it, or run spool migrate)"
            )
        } catch {
            fail("\(error) (\(url))")
        }
    }

    private func sqliteNode(_ configuration: SpoolConfiguration) throws -> NodeListing {
        let paths = try options.paths(configuration)
        guard FileManager.default.fileExists(atPath: paths.database) else {
            fail("no SQLite store at \(paths.database): is \(paths.root) a spool root? (or give --database URL)")
        }
        let holder = StateLockProbe.holder(of: paths.lockFile)
        var running = 0
        if holder != nil {
            running = (try? Store(path: paths.database).jobCounts()[.processing]) ?? 0
        }
        let node = NodeListing.Node(
            name: configuration.nodeNameInForce, state: holder == nil ? .stopped : .up, heartbeatAgeSeconds: nil,
            runningJobs: running, version: "", slots: configuration.downloads)
        return NodeListing(
            engine: "sqlite", database: paths.database, leaseSeconds: configuration.leaseSeconds, nodes: [node])
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("spool nodes: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
