import Foundation
import SpoolCore
import SpoolInbox

#if canImport(Glibc)
import Glibc
#endif

/// Moves finished files into `out/<folder>/` so that a reader never sees a partial file and an
/// existing file is never overwritten (SPEC §3 name rules).
///
/// Each file is first staged inside the destination directory as `.spool-<job_id>-<n>.part`, then
/// hard-linked to its final name (`link(2)` fails with EEXIST instead of overwriting, which makes
/// the `<name> (2)` search race-free). The stage names are removed only after the database has
/// recorded the completion; a crash in between is undone by `recover`, so a job never publishes twice.
package struct OutputPublisher: Sendable {
    package var outRoot: String
    /// `suffix`, `overwrite` or `fail`.
    package var conflict: String

    package init(outRoot: String, conflict: String) {
        self.outRoot = outRoot
        self.conflict = conflict
    }

    /// One file to publish: the path in the work directory and the name's tail after the base
    /// (`.mp4`, `.en.vtt`, `.jpg`).
    package struct Item: Sendable {
        package var source: String
        package var suffix: String

        package init(source: String, suffix: String) {
            self.source = source
            self.suffix = suffix
        }
    }

    /// The published keys (relative to `out/`), first the main output; and the stage files to drop.
    package struct Publication: Sendable {
        package var keys: [String]
        package var stagePaths: [String]
    }

    /// The directory for `folder`, created as needed; a symlink anywhere on the way is refused.
    package func directory(for folder: String?) throws -> String {
        var path = outRoot
        try Self.ensureDirectory(path)
        for segment in (folder ?? "").split(separator: "/") {
            path += "/" + segment
            try Self.ensureDirectory(path)
        }
        return path
    }

    static func ensureDirectory(_ path: String) throws {
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw PipelineError(message: "\(path) exists and is not a directory (symlinks are not followed)")
            }
            return
        }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw PipelineError(message: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Stages and links `items` under `base`, choosing the first free `base`, `base (2)`, ….
    package func publish(_ items: [Item], jobID: String, folder: String?, base: String) throws -> Publication {
        let dir = try directory(for: folder)
        var stages: [String] = []
        for (n, item) in items.enumerated() {
            let stage = "\(dir)/.spool-\(jobID)-\(n).part"
            try AtomicFile.move(from: item.source, to: stage)
            stages.append(stage)
        }
        var index = 1
        while true {
            let names = items.map { OutputNaming.fileName(base: base, ext: String($0.suffix.dropFirst()), index: index) }
            switch try place(stages: stages, names: names, dir: dir) {
            case .placed:
                let prefix = folder.map { $0 + "/" } ?? ""
                return Publication(keys: names.map { prefix + $0 }, stagePaths: stages)
            case .taken:
                if conflict == "fail" {
                    stages.forEach { _ = unlink($0) }
                    throw PipelineError(
                        message: "An output named \(names[0]) already exists and name_conflict is fail.")
                }
                index += 1
            }
        }
    }

    private enum Placement { case placed, taken }

    /// Links every stage to its name; all or nothing for the main file, side files skip a taken name.
    private func place(stages: [String], names: [String], dir: String) throws -> Placement {
        for (i, (stage, name)) in zip(stages, names).enumerated() {
            let target = dir + "/" + name
            if conflict == "overwrite" {
                if link(stage, target) != 0 {
                    guard errno == EEXIST else { throw Self.posixError("link", target) }
                    // Replace atomically: a fresh link under a temp name, renamed over the old file.
                    let temp = "\(dir)/.spool-replace-\(name).part"
                    _ = unlink(temp)
                    guard link(stage, temp) == 0, rename(temp, target) == 0 else {
                        throw Self.posixError("replace", target)
                    }
                }
                continue
            }
            if link(stage, target) != 0 {
                guard errno == EEXIST else { throw Self.posixError("link", target) }
                if i == 0 { return .taken }
                // A side file (subtitle, thumbnail) with a taken name is left out rather than overwritten.
            }
        }
        return .placed
    }

    /// Drops the stage names once the completion is durable.
    package func finish(_ publication: Publication) {
        for stage in publication.stagePaths { _ = unlink(stage) }
    }

    /// Undoes an interrupted publication of `jobID`: every final name that shares an inode with one of
    /// the job's stage files is removed, then the stage files. Safe to call when there is nothing to undo.
    package func recover(jobID: String, folder: String?) {
        guard let dir = try? directory(for: folder),
            let names = try? FileManager.default.contentsOfDirectory(atPath: dir)
        else { return }
        let prefix = ".spool-\(jobID)-"
        let stages = names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".part") }
        guard !stages.isEmpty else { return }
        var inodes = Set<UInt>()
        for stage in stages {
            var st = stat()
            if lstat(dir + "/" + stage, &st) == 0 && st.st_nlink > 1 { inodes.insert(UInt(st.st_ino)) }
        }
        for name in names where !name.hasPrefix(prefix) && !inodes.isEmpty {
            var st = stat()
            if lstat(dir + "/" + name, &st) == 0 && inodes.contains(UInt(st.st_ino)) { _ = unlink(dir + "/" + name) }
        }
        for stage in stages { _ = unlink(dir + "/" + stage) }
    }

    static func posixError(_ op: String, _ path: String) -> PipelineError {
        PipelineError(message: "\(op) \(path) failed: \(String(cString: strerror(errno)))")
    }
}

/// A failure inside the pipeline's own file handling (not a tool's).
package struct PipelineError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
