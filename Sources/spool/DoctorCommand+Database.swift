import Foundation
import Logging
import SpoolCore
import SpoolFiles
import SpoolPostgres

extension DoctorCommand {
    /// Clock skew between this node and the database above which doctor warns: lease times are the
    /// database's, but status files and logs carry the node's.
    static let maxClockSkewSeconds = 2.0

    /// `database` as a PostgreSQL URL: reachable, its version, migrations applied against those this build
    /// knows, and the clock skew. Nothing is changed (no migration runs). The password is always masked.
    static func checkDatabase(_ url: PostgresURL, report: Report) async {
        // postgres-nio logs connection trouble itself; the error is reported once, as a check.
        var logger = Logger(label: "spool.doctor")
        logger.logLevel = .critical
        let facts: PostgresStore.ServerFacts
        do {
            facts = try await PostgresStore.withStore(url: url, logger: logger, migrate: false) {
                try await $0.serverFacts()
            }
        } catch let error as PostgresStoreError where error.sqlState != nil && !error.isAuthenticationFailure {
            report(.fail, "database", "\(url) is reachable, but reading it failed: \(error)")
            return
        } catch {
            report(.fail, "database", "\(url) is not reachable: \(error)")
            return
        }
        report(.ok, "database", "\(url): PostgreSQL \(facts.serverVersion)")
        for line in migrationLines(facts) { report(line.level, "migrations", line.detail) }
        let skew = facts.clockSkewSeconds
        let text = String(format: "%+.2f s (database minus this node)", skew)
        if abs(skew) > maxClockSkewSeconds {
            report(.warn, "clock", "\(text), more than \(Int(maxClockSkewSeconds)) s: run NTP (chrony) on every node")
        } else {
            report(.ok, "clock", text)
        }
    }

    /// The migrations check: all applied is ok; some missing is a warning (serve applies them at start);
    /// versions this build does not know mean a newer spool migrated the database: a failure.
    static func migrationLines(_ facts: PostgresStore.ServerFacts) -> [(level: Level, detail: String)] {
        let applied = Set(facts.appliedMigrations)
        let known = Set(facts.knownMigrations)
        let unknown = applied.subtracting(known).sorted()
        let missing = known.subtracting(applied).sorted()
        var lines: [(Level, String)] = []
        if !unknown.isEmpty {
            lines.append(
                (
                    .fail,
                    "the database has migration(s) \(unknown) this spool does not know: a newer spool uses it; upgrade this node"
                ))
        }
        if missing.isEmpty {
            lines.append((.ok, "\(applied.count) of \(known.count) applied"))
        } else {
            lines.append(
                (
                    .warn,
                    "\(known.count - missing.count) of \(known.count) applied; \(missing) pending (spool serve applies them at start)"
                ))
        }
        return lines
    }

    /// The inbox on NFS: lookups cached (`lookupcache` other than `none`) can hide a file another client
    /// renamed in, for as long as the attribute cache lasts.
    static func checkInboxMount(_ inbox: String, report: Report) {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return }
        let resolved = URL(fileURLWithPath: inbox).resolvingSymlinksInPath().path
        guard let mount = MountInfo.mount(of: resolved, in: MountInfo.parse(text)),
            let cache = mount.nfsLookupCache
        else { return }
        if cache == "none" {
            report(.ok, "inbox nfs", "\(mount.mountPoint) (\(mount.source)) is NFS with lookupcache=none")
        } else {
            report(
                .warn, "inbox nfs",
                "\(mount.mountPoint) (\(mount.source)) is NFS with lookupcache=\(cache): new inbox files may be seen late; mount it with lookupcache=none"
            )
        }
    }
}
