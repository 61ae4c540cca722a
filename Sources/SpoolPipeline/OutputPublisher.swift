import Foundation
import SpoolCore
import SpoolFiles

#if canImport(Glibc)
    import Glibc
#endif

/// Moves finished files into `out/<folder>/` so that a reader never sees a partial file and an
/// existing file is never overwritten (folder-contract §3 name rules).
///
/// Each file is first moved into the staging directory as `<job_id>-<n>.part` (on the same
/// filesystem as `out/`, normally `work/.staging`), then hard-linked to its final name: `link(2)`
/// fails with EEXIST instead of overwriting, which makes the `<name> (2)` search race-free. The
/// stage names are dropped only after the database has recorded the completion. After a crash,
/// `sweep` finishes or undoes every publication still in the staging directory, so a job never
/// publishes twice and nothing temporary is ever visible in `out/`.
package struct OutputPublisher: Sendable {
    package var outRoot: String
    /// What to do when an output name is taken (`name_conflict`).
    package var conflict: NameConflict
    /// Where files wait between the work directory and their final name; must be on `out/`'s filesystem.
    package var staging: String

    package init(outRoot: String, conflict: NameConflict, staging: String) {
        self.outRoot = outRoot
        self.conflict = conflict
        self.staging = staging
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
        try Self.ensureDirectory(staging)
        var stages: [String] = []
        for (n, item) in items.enumerated() {
            let stage = "\(staging)/\(jobID)-\(n).part"
            try AtomicFile.move(from: item.source, to: stage)
            stages.append(stage)
        }
        var index = 1
        while true {
            let names = items.map {
                OutputNaming.fileName(base: base, ext: String($0.suffix.dropFirst()), index: index)
            }
            switch try place(stages: stages, names: names, dir: dir) {
            case .placed:
                let prefix = folder.map { $0 + "/" } ?? ""
                return Publication(keys: names.map { prefix + $0 }, stagePaths: stages)
            case .taken:
                if conflict == .fail {
                    for stage in stages { _ = unlink(stage) }
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
            if conflict == .overwrite {
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

    /// Undoes an interrupted publication of `jobID`: every name in the job's folder that shares an
    /// inode with one of its stage files is removed, then the stage files. Harmless when there is nothing.
    package func recover(jobID: String, folder: String?) {
        let stages = stageFiles().filter { $0.jobID == jobID }.map(\.path)
        guard !stages.isEmpty else { return }
        var inodes = Set<UInt>()
        for stage in stages {
            var st = stat()
            if lstat(stage, &st) == 0 && st.st_nlink > 1 { inodes.insert(UInt(st.st_ino)) }
        }
        if !inodes.isEmpty, let dir = try? existingDirectory(for: folder),
            let names = try? FileManager.default.contentsOfDirectory(atPath: dir)
        {
            for name in names {
                var st = stat()
                if lstat(dir + "/" + name, &st) == 0 && inodes.contains(UInt(st.st_ino)) {
                    _ = unlink(dir + "/" + name)
                }
            }
        }
        for stage in stages { _ = unlink(stage) }
    }

    /// Start-up: a completed job's leftover stage names are dropped; any other job's publication is undone.
    package func sweep(isCompleted: (String) -> Bool, folder: (String) -> String?) {
        for jobID in Set(stageFiles().map(\.jobID)) {
            if isCompleted(jobID) {
                for stage in stageFiles() where stage.jobID == jobID { _ = unlink(stage.path) }
            } else {
                recover(jobID: jobID, folder: folder(jobID))
            }
        }
    }

    /// The jobs with stage files here (a publication in progress, or done and not yet cleaned up).
    package func stagedJobIDs() -> [String] { Array(Set(stageFiles().map(\.jobID))).sorted() }

    /// `<job_id>-<n>.part` files in the staging directory.
    private func stageFiles() -> [(jobID: String, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []
        return names.compactMap { name in
            guard name.hasSuffix(".part"), let dash = name.lastIndex(of: "-") else { return nil }
            return (String(name[..<dash]), staging + "/" + name)
        }
    }

    /// The folder's directory if it exists as a real directory (never created, never through a symlink).
    private func existingDirectory(for folder: String?) throws -> String? {
        var path = outRoot
        for segment in [""] + (folder ?? "").split(separator: "/").map(String.init) {
            if !segment.isEmpty { path += "/" + segment }
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return nil }
        }
        return path
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
