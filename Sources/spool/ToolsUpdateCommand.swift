import ArgumentParser
import Foundation
import Logging
import SpoolCore
import SpoolPipeline

/// `spool tools update [--check] [--version X]`: shows the yt-dlp in use and the newest on PyPI;
/// installs the newer (or the named) one beside the current, self-tests it, and only then
/// switches the entry, keeping the previous version for `spool tools rollback`. tool-behaviour §4.
struct ToolsUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Install the newest yt-dlp (or --version X) beside the current one, self-test it, switch to it.",
        discussion: """
            The self-test runs the new yt-dlp's --version, then downloads a 2 s clip that ffmpeg makes \
            and python3 -m http.server serves on 127.0.0.1, and checks it with ffprobe. Nothing switches \
            unless it passes. Exit 0: switched, or already current, or --check; 1: nothing switched.
            """)

    @OptionGroup var options: ToolsOptions

    @Flag(help: "Only show the version in use and the newest on PyPI; install nothing.")
    var check = false

    @Option(
        name: .customLong("version"),
        help: ArgumentHelp(
            "Install exactly this yt-dlp version (YYYY.MM.DD[.N]) instead of the newest.", valueName: "x"))
    var version: String?

    func validate() throws {
        if let version, YtDlpVersion(version) == nil {
            throw ValidationError(
                "--version: \(version) is not a yt-dlp version; give its release date as YYYY.MM.DD (or YYYY.MM.DD.N)")
        }
    }

    func run() async throws {
        let (configuration, inUse, layout) = try options.resolve()
        let logger = ToolsOptions.logger()
        let inUseVersion = await inUse.asyncMap { await YtDlpInstaller.reportedVersion(of: $0) } ?? nil
        if let inUse {
            print("in use:  yt-dlp \(inUseVersion ?? "(does not run)") (\(inUse))")
        } else {
            print("in use:  none (\(configuration.ytDlpPath) not found)")
        }
        let target: YtDlpVersion
        if let version {
            target = YtDlpVersion(version)!
            print("wanted:  yt-dlp \(target) (--version)")
        } else {
            let release: PyPIRelease
            do { release = try await PyPIClient.newestYtDlp() } catch { throw ToolsCommandError.exit(error) }
            target = release.newest
            let uploaded = release.uploaded.map { " (uploaded \(ToolsLayout.timestamp($0)))" } ?? ""
            print("newest:  yt-dlp \(target) on PyPI\(uploaded)")
        }
        let current = inUseVersion.flatMap(YtDlpVersion.init)
        if check {
            if let current, current >= target {
                print("yt-dlp is up to date")
            } else {
                print("update available: run `spool tools update" + (version.map { " --version \($0)" } ?? "") + "`")
            }
            return
        }
        do {
            try await layout.withLock {
                try await update(
                    to: target, inUse: inUse, inUseVersion: inUseVersion, layout: layout, configuration, logger: logger)
            }
        } catch let error as ToolsError {
            throw ToolsCommandError.exit(error)
        }
        if let note = ToolsOptions.entryNote(configured: configuration.ytDlpPath, layout: layout) { print(note) }
    }

    /// Install, self-test, switch, record.
    private func update(
        to target: YtDlpVersion, inUse: String?, inUseVersion: String?, layout: ToolsLayout,
        _ configuration: SpoolConfiguration, logger: Logger
    ) async throws {
        let record = try layout.readRecord()
        let launcher = layout.launcher(for: target)
        if let record, YtDlpVersion(record.current.version) == target, layout.entryTarget() == launcher {
            print("yt-dlp \(target) is already current (\(layout.entry))")
            return
        }
        let wasInstalled = FileManager.default.isExecutableFile(atPath: launcher)
        print("installing yt-dlp \(target) into \(layout.directory(for: target))")
        let installed = try await YtDlpInstaller(layout: layout, logger: logger).install(target)
        print("self-test: --version, then a download from 127.0.0.1, checked with ffprobe")
        let selfTest = YtDlpSelfTest(
            ffmpeg: configuration.ffmpegPath, ffprobe: configuration.ffprobePath, python: layout.python,
            logger: logger)
        do {
            try await selfTest.run(
                installed, expecting: target,
                scratch: layout.home + "/.selftest-\(ProcessInfo.processInfo.processIdentifier)")
        } catch {
            let kept = [record?.current.program, record?.previous?.program].contains(installed)
            if !wasInstalled && !kept { try? FileManager.default.removeItem(atPath: layout.directory(for: target)) }
            let still = record.map { "yt-dlp \($0.current.version)" } ?? inUseVersion.map { "yt-dlp \($0)" } ?? "none"
            throw ToolsError("\(error); not switched, still \(still)")
        }
        // What rollback goes back to: the managed current, else the yt-dlp that ran until now.
        let before =
            record?.current
            ?? inUse.flatMap { program in
                inUseVersion.map {
                    ToolsRecord.Entry(
                        version: $0, program: URL(fileURLWithPath: program).resolvingSymlinksInPath().path)
                }
            }
        try layout.switchEntry(to: installed)
        let now = ToolsLayout.timestamp()
        let entry = ToolsRecord.Entry(version: target.text, program: installed)
        let next =
            record?.switching(to: entry, at: now)
            ?? ToolsRecord(current: entry, previous: before?.program == installed ? nil : before, switchedAt: now)
        try layout.writeRecord(next)
        print(
            "switched: \(layout.entry) -> yt-dlp \(target)"
                + (next.previous.map { " (previous: \($0.version); `spool tools rollback` goes back)" } ?? ""))
    }
}

extension Optional {
    /// `map` with an async transform.
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async -> T) async -> T? {
        guard let value = self else { return nil }
        return await transform(value)
    }
}
