import Foundation
import Logging
import SpoolCore
import SpoolFiles
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Installs one yt-dlp version beside the others (`pip install --target`), without touching the
/// entry: switching is the caller's step, after the self-test. tool-behaviour §4.
package struct YtDlpInstaller: Sendable {
    package var layout: ToolsLayout
    package var runner: ToolRunner
    package var logger: Logger

    package init(layout: ToolsLayout, runner: ToolRunner = ToolRunner(), logger: Logger) {
        self.layout = layout
        self.runner = runner
        self.logger = logger
    }

    /// The launcher of `version`, installing it first when it is not there yet.
    ///
    /// pip writes into a hidden directory that is renamed into `versions/` only once the launcher
    /// is in place, so an interrupted install never looks installed.
    package func install(_ version: YtDlpVersion) async throws -> String {
        let launcher = layout.launcher(for: version)
        if FileManager.default.isExecutableFile(atPath: launcher) {
            logger.info("yt-dlp already installed", metadata: ["version": "\(version)", "path": "\(launcher)"])
            return launcher
        }
        guard FileManager.default.isExecutableFile(atPath: layout.python) else {
            throw ToolsError(
                "\(layout.venv) is not a venv (no bin/python3); create it with python3 -m venv \(layout.venv) "
                    + "or pass --venv DIR")
        }
        // The launcher's first line names the interpreter; the kernel splits it at blanks.
        guard !layout.python.contains(where: \.isWhitespace) else {
            throw ToolsError("the venv path \(layout.venv) holds a blank; use a venv whose path has none (--venv DIR)")
        }
        try FileManager.default.createDirectory(atPath: layout.versions, withIntermediateDirectories: true)
        let partial = layout.versions + "/.\(version.text).partial-\(Posix.randomHex(bytes: 6))"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let arguments = [
            "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet",
            "--target", partial + "/lib", "yt-dlp==\(version.text)",
        ]
        logger.info("installing yt-dlp", metadata: ["version": "\(version)", "into": "\(partial)"])
        let result = try await runner.run(layout.python, arguments: arguments)
        guard result.succeeded else {
            throw ToolsError(
                "pip could not install yt-dlp==\(version) (exit \(result.shellStatus)): "
                    + result.stderrTail.suffix(3).joined(separator: " / "))
        }
        let script = Self.launcherScript(python: layout.python, version: version)
        try AtomicFile.write(Data(script.utf8), to: partial + "/yt-dlp")
        guard chmod(partial + "/yt-dlp", 0o755) == 0 else {
            throw ToolsError("cannot make \(partial)/yt-dlp executable: \(String(cString: strerror(errno)))")
        }
        try AtomicFile.move(from: partial, to: layout.directory(for: version))
        return launcher
    }

    /// What `program --version` prints (its first line), or nil when it does not run.
    package static func reportedVersion(of program: String, runner: ToolRunner = ToolRunner()) async -> String? {
        let first = Mutex<String?>(nil)
        let result = try? await runner.run(program, arguments: ["--version"]) { line in
            first.withLock { if $0 == nil && !line.isEmpty { $0 = line } }
        }
        guard result?.succeeded == true else { return nil }
        return first.withLock { $0 }
    }

    /// A launcher, because pip's own `bin/yt-dlp` under `--target` cannot find its package: it
    /// puts its own `lib/` first on the path and runs yt-dlp's `main`.
    static func launcherScript(python: String, version: YtDlpVersion) -> String {
        """
        #!\(python)
        # yt-dlp \(version.text), installed by `spool tools update` (pip --target lib/).
        import os, sys
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "lib"))
        from yt_dlp import main
        if __name__ == "__main__":
            sys.exit(main())

        """
    }
}
