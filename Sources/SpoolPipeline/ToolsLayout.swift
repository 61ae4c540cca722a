import Foundation
import SpoolCore
import SpoolFiles

#if canImport(Glibc)
    import Glibc
#endif

/// Where spool keeps yt-dlp versions side by side inside a venv, and the entry that picks one
/// (tool-behaviour §4):
///
///     <venv>/spool-tools/yt-dlp/yt-dlp            the entry: a symlink to one version's launcher
///     <venv>/spool-tools/yt-dlp/record.json       current and previous (ToolsRecord)
///     <venv>/spool-tools/yt-dlp/versions/<v>/     pip --target install (lib/) + launcher (yt-dlp)
///
/// `yt_dlp_path` names the entry. Every job execs it afresh, so a switch (a new symlink renamed
/// over the entry) reaches the next job without a restart, and the entry's realpath changes.
package struct ToolsLayout: Sendable {
    /// The venv (absolute): its `bin/python3` runs pip and the launchers.
    package let venv: String

    package init(venv: String) {
        self.venv = URL(fileURLWithPath: venv).standardizedFileURL.path
    }

    /// What the entry's path ends with; a configured `yt_dlp_path` like this names its venv.
    package static let entrySuffix = "/spool-tools/yt-dlp/yt-dlp"

    package var home: String { venv + "/spool-tools/yt-dlp" }
    package var entry: String { home + "/yt-dlp" }
    package var recordPath: String { home + "/record.json" }
    package var versions: String { home + "/versions" }
    package var python: String { venv + "/bin/python3" }

    package func directory(for version: YtDlpVersion) -> String { versions + "/" + version.text }
    package func launcher(for version: YtDlpVersion) -> String { directory(for: version) + "/yt-dlp" }

    /// The venv a configured yt-dlp belongs to: the one whose entry it is, or the venv whose
    /// `bin/` holds it (a `pyvenv.cfg` beside that `bin/`). nil when it is neither.
    package static func venv(forProgram program: String) -> String? {
        let path = URL(fileURLWithPath: program).standardizedFileURL.path
        if path.hasSuffix(entrySuffix) { return String(path.dropLast(entrySuffix.count)) }
        let bin = (path as NSString).deletingLastPathComponent
        let venv = (bin as NSString).deletingLastPathComponent
        guard (bin as NSString).lastPathComponent == "bin",
            FileManager.default.fileExists(atPath: venv + "/pyvenv.cfg")
        else { return nil }
        return venv
    }

    /// The record, or nil when there is none yet; throws when it exists but cannot be read.
    package func readRecord() throws -> ToolsRecord? {
        guard let data = FileManager.default.contents(atPath: recordPath) else { return nil }
        do {
            return try ToolsRecord.decode(data)
        } catch {
            throw ToolsError("\(recordPath) is not a valid record (\(error)); remove it and run spool tools update")
        }
    }

    package func writeRecord(_ record: ToolsRecord) throws {
        try AtomicFile.write(try record.encoded(), to: recordPath)
    }

    /// Points the entry at `program` in one step: a new symlink beside it, renamed over it
    /// (rename(2) is atomic, so a job starting now runs the old or the new version, never neither).
    package func switchEntry(to program: String) throws {
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let temporary = home + "/.yt-dlp.switch-\(Posix.randomHex(bytes: 6))"
        guard symlink(program, temporary) == 0 else {
            throw ToolsError("cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        do {
            try AtomicFile.move(from: temporary, to: entry)
        } catch {
            unlink(temporary)
            throw ToolsError("cannot switch \(entry) to \(program): \(error)")
        }
    }

    /// Runs `body` holding an exclusive lock on `<home>/.lock`: two updates or rollbacks at once would
    /// race on the entry and the record. Fails at once (no waiting) when another one holds it.
    package func withLock<T>(_ body: () async throws -> T) async throws -> T {
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let fd = Posix.open(home + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ToolsError("cannot open \(home)/.lock: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            throw ToolsError("another spool tools update or rollback is running on \(home); try again when it ends")
        }
        return try await body()
    }

    /// Where the entry points now, or nil when there is no entry.
    package func entryTarget() -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: entry)
    }

    /// The current time as the record writes it.
    package static func timestamp(_ date: Date = Date()) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
