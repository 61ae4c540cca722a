import ArgumentParser
import Foundation
import Logging
import SpoolPostgres
import SpoolService
import SpoolStore

/// `spool migrate --root DIR --to postgres://…`: the single-node SQLite store copied into an empty
/// PostgreSQL database, verified row by row (docs/cluster.md).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a root's SQLite store into an empty PostgreSQL database and verify every row.",
        discussion: """
            The service must be stopped (migrate takes the root's state lock). The target must be an empty
            database: create one with createdb. Every batch, job and webhook delivery (idempotency keys included)
            is copied in one transaction, read back and compared by SHA-256 digest with its SQLite row before the
            commit.
            The URL's password never appears in output, logs or errors.
            """)

    @OptionGroup var options: RootOptions

    @Option(
        name: .customLong("to"),
        help: "The target: postgres://user[:password]@host[:port]/dbname[?sslmode=…] or …/dbname?host=/socket/dir.")
    var target: String

    func run() async throws {
        let paths = try options.paths(try options.loadConfiguration())
        let url: PostgresURL
        do {
            url = try PostgresURL(target)
        } catch {
            throw ValidationError("--to: \(error)")
        }
        guard FileManager.default.fileExists(atPath: paths.database) else {
            fail("no SQLite store at \(paths.database): is \(paths.root) a spool root?")
        }
        let lock: StateLock
        do {
            lock = try StateLock(path: paths.lockFile)
        } catch {
            fail("\(error) (stop spool serve before migrating)")
        }
        defer { withExtendedLifetime(lock) {} }
        let source = try Store(path: paths.database)
        // postgres-nio logs connection trouble at warning and above; the error itself is reported below.
        var logger = Logger(label: "spool.migrate")
        logger.logLevel = .critical
        let report: StoreCopier.Report
        do {
            report = try await PostgresStore.withStore(url: url, logger: logger, migrate: false) { store in
                try await StoreCopier.copy(from: source, to: store, targetName: url.description)
            }
        } catch {
            fail("\(error)", target: error is StoreCopier.CopyError ? nil : url)
        }
        let statuses = report.jobsByStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        print(
            """
            copied \(paths.database) to \(url)
              batches  \(report.batches) (idempotency keys: \(report.idempotencyKeys))
              jobs     \(report.jobs)\(statuses.isEmpty ? "" : " (\(statuses.joined(separator: ", ")))")
              webhooks \(report.webhooks)
              batch rows sha256   \(report.batchDigest)
              job rows sha256     \(report.jobDigest)
              webhook rows sha256 \(report.webhookDigest)
            verified: counts equal and every row read back from PostgreSQL has the digest of its SQLite row
            """)
    }

    private func fail(_ message: String, target: PostgresURL? = nil) -> Never {
        let place = target.map { " (\($0))" } ?? ""
        FileHandle.standardError.write(Data("spool migrate: \(message)\(place)\n".utf8))
        Foundation.exit(1)
    }
}
