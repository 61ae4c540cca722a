import ArgumentParser
import Foundation
import SpoolCore
import SpoolFiles
import SpoolPipeline
import SpoolService
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the tools, the root, the filesystem, inotify limits and free disk.",
        discussion: "Prints one line per check (ok, WARN, FAIL); exits 1 when any check fails.")

    @OptionGroup var options: RootOptions

    enum Level: String {
        case ok = "ok  "
        case warn = "WARN"
        case fail = "FAIL"
    }

    /// yt-dlp older than this is a warning: sites change weekly and old extractors break.
    static let ytDlpMaxAgeDays = 60.0

    func run() async throws {
        let effective = try options.loadEffective()
        let configuration = effective.configuration
        var results: [(Level, String, String)] = []
        func report(_ level: Level, _ name: String, _ detail: String) {
            results.append((level, name, detail))
            print("\(level.rawValue)  \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(detail)")
        }

        await Self.checkTools(configuration, report: report)
        Self.checkForkServer(configuration, report: report)
        if let paths = try? options.paths(configuration) {
            checkRoot(paths, configuration, report: report)
            Self.checkDisk(paths, report: report)
        } else {
            report(
                .warn, "root", "no root given (--root, SPOOL_ROOT or root in the configuration); root checks skipped")
        }
        Self.checkInotify(report: report)
        await Self.checkBucket(configuration, report: report)
        if let url = try DatabaseSetting.url(effective) { await Self.checkDatabase(url, report: report) }
        if let paths = try? options.paths(configuration) { Self.checkInboxMount(paths.inbox, report: report) }
        // The secrets file.
        if let file = effective.apiKeysFile {
            do {
                let keys = try ConfigLoader.readAPIKeys(file: file)
                report(.ok, "api keys", "\(keys.count) key(s) in \(file)")
            } catch {
                report(.fail, "api keys", "\(error)")
            }
        }

        let failures = results.filter { $0.0 == .fail }.count
        let warnings = results.filter { $0.0 == .warn }.count
        print("doctor: \(results.count - failures - warnings) ok, \(warnings) warning(s), \(failures) error(s)")
        if failures > 0 { throw ExitCode(1) }
    }

    /// The type of `report`: one check's level, name and detail.
    typealias Report = (Level, String, String) -> Void

    /// yt-dlp, ffmpeg and ffprobe: found, running, and (yt-dlp) not too old.
    private static func checkTools(_ configuration: SpoolConfiguration, report: Report) async {
        for (name, tool, flag, key) in [
            ("yt-dlp", configuration.ytDlpPath, "--version", "yt_dlp_path"),
            ("ffmpeg", configuration.ffmpegPath, "-version", "ffmpeg_path"),
            ("ffprobe", configuration.ffprobePath, "-version", "ffprobe_path"),
        ] {
            guard let resolved = Self.resolve(tool) else {
                report(.fail, name, "\(tool) not found; install it or set \(key) (or SPOOL_\(key.uppercased()))")
                continue
            }
            guard let first = await Self.versionLine(of: resolved, flag: flag) else {
                report(.fail, name, "\(resolved) does not run (\(flag) failed)")
                continue
            }
            if name == "yt-dlp" {
                if let age = Self.ageInDays(ytDlpVersion: first) {
                    let text = "\(first) (\(resolved)), \(Int(age)) days old"
                    if age > Self.ytDlpMaxAgeDays {
                        report(
                            .warn, name,
                            text
                                + "; older than \(Int(Self.ytDlpMaxAgeDays)) days: sites change, run `spool tools update`"
                        )
                    } else {
                        report(.ok, name, text)
                    }
                } else {
                    report(.ok, name, "\(first) (\(resolved)); release date unknown")
                }
            } else {
                let version = first.split(separator: " ").dropFirst(2).first.map(String.init) ?? first
                report(.ok, name, "\(version) (\(resolved))")
            }
        }
    }

    /// The root and its directories (writable), and the filesystems under the inbox and the state.
    private func checkRoot(_ paths: SpoolPaths, _ configuration: SpoolConfiguration, report: Report) {
        checkDirectory("root", paths.root, report: report)
        if paths.inbox != paths.root + "/inbox" { checkDirectory("inbox", paths.inbox, report: report) }
        if paths.out != paths.root + "/out" { checkDirectory("out", paths.out, report: report) }
        if paths.state != paths.root + "/state" { checkDirectory("state", paths.state, report: report) }
        if paths.work != paths.root + "/work" { checkDirectory("work", paths.work, report: report) }

        let inboxFS = Self.existingAncestor(paths.inbox).flatMap(FilesystemKind.filesystemType(of:))
        if let type = inboxFS {
            if FilesystemKind.isNetwork(filesystemType: type) {
                report(
                    .warn, "inbox fs",
                    "\(Self.filesystemName(type)) (network): inotify cannot see other "
                        + "clients' writes; spool relies on the rescan every \(configuration.rescanIntervalSeconds) s")
            } else {
                report(.ok, "inbox fs", "\(Self.filesystemName(type)) (local: inotify sees every write)")
            }
        }
        if let type = Self.existingAncestor(paths.state).flatMap(FilesystemKind.filesystemType(of:)),
            FilesystemKind.isNetwork(filesystemType: type)
        {
            report(
                .fail, "state fs", "\(Self.filesystemName(type)) (network): the database needs a local disk; set state")
        }
    }

    /// Free space under out/ and state/ (once per filesystem).
    private static func checkDisk(_ paths: SpoolPaths, report: Report) {
        var seen = Set<String>()
        for (label, dir) in [("out", paths.out), ("state", paths.state)] {
            guard let existing = Self.existingAncestor(dir), let free = Self.freeBytes(existing) else { continue }
            let key = "\(free)-\(existing)"
            if seen.contains(key) { continue }
            seen.insert(key)
            let text = "\(label): \(formatBytes(Double(free))) free on \(existing)"
            if free < 200_000_000 {
                report(.fail, "disk", text + "; downloads will fail")
            } else if free < 2_000_000_000 {
                report(.warn, "disk", text + "; low")
            } else {
                report(.ok, "disk", text)
            }
        }
    }

    /// The kernel's inotify limits: low ones only cost rescans.
    private static func checkInotify(report: Report) {
        let watches = Self.readInt("/proc/sys/fs/inotify/max_user_watches")
        let queued = Self.readInt("/proc/sys/fs/inotify/max_queued_events")
        let instances = Self.readInt("/proc/sys/fs/inotify/max_user_instances")
        if let watches, let queued {
            let text =
                "max_user_watches=\(watches) max_queued_events=\(queued)"
                + (instances.map { " max_user_instances=\($0)" } ?? "")
            if watches < 16 || queued < 1024 {
                report(
                    .warn, "inotify", text + "; low: overflows fall back to a rescan (raise fs.inotify.* with sysctl)")
            } else {
                report(.ok, "inotify", text)
            }
        } else {
            report(.warn, "inotify", "limits not readable under /proc/sys/fs/inotify; spool relies on the rescan")
        }
    }

    private func checkDirectory(_ name: String, _ dir: String, report: (Level, String, String) -> Void) {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue else { return report(.fail, name, "\(dir) is not a directory") }
            let probe = dir + "/.spool-doctor-\(getpid())"
            if FileManager.default.createFile(atPath: probe, contents: Data()) {
                try? FileManager.default.removeItem(atPath: probe)
                report(.ok, name, "\(dir) is writable")
            } else {
                report(.fail, name, "\(dir) is not writable by uid \(getuid())")
            }
        } else if let parent = Self.existingAncestor(dir), access(parent, W_OK) == 0 {
            report(.ok, name, "\(dir) does not exist yet; serve creates it (\(parent) is writable)")
        } else {
            report(.fail, name, "\(dir) does not exist and cannot be created")
        }
    }

    // MARK: - Helpers

    /// A tool's path: as given when it holds a slash, else the first match in PATH.
    static func resolve(_ tool: String) -> String? {
        if tool.contains("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The first line a tool prints for its version flag, or nil when it cannot be run.
    static func versionLine(of tool: String, flag: String) async -> String? {
        let first = Mutex<String?>(nil)
        let result = try? await ToolRunner().run(tool, arguments: [flag]) { line in
            first.withLock { if $0 == nil && !line.isEmpty { $0 = line } }
        }
        guard result?.exitCode == 0 else { return nil }
        return first.withLock { $0 }
    }

    /// yt-dlp versions are release dates: `2026.10.26` or `2026.10.26.1`.
    static func ageInDays(ytDlpVersion: String, now: Date = Date()) -> Double? {
        let parts = ytDlpVersion.split(separator: ".").prefix(3).compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (parts[0], parts[1], parts[2])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: components) else { return nil }
        return max(0, now.timeIntervalSince(date) / 86_400)
    }

    static func existingAncestor(_ path: String) -> String? {
        var current = path
        while !current.isEmpty {
            if FileManager.default.fileExists(atPath: current) { return current }
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current { break }
            current = parent
        }
        return nil
    }

    static func freeBytes(_ path: String) -> UInt64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    static func readInt(_ path: String) -> Int? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    static func filesystemName(_ type: UInt32) -> String {
        let names: [UInt32: String] = [
            0xEF53: "ext4", 0x5846_5342: "xfs", 0x9123_683E: "btrfs", 0x0102_1994: "tmpfs",
            0x794C_7630: "overlayfs", 0x2FC1_2FC1: "zfs", 0x6969: "nfs", 0x517B: "smb", 0xFF53_4D42: "cifs",
            0xFE53_4D42: "smb2", 0x6573_5546: "fuse", 0x0102_1997: "9p", 0x00C3_6400: "ceph",
            0x4D44: "vfat", 0x5346_544E: "ntfs", 0xF15F: "ecryptfs", 0x7375_7245: "coda", 0x6B41_4653: "afs",
        ]
        return names[type] ?? String(format: "filesystem 0x%X", type)
    }
}
