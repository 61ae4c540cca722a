import ArgumentParser
import Foundation
import SpoolCore
import SpoolInbox
import SpoolService

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check the tools, the root, the filesystem and inotify limits.")

    @OptionGroup var options: RootOptions

    func run() throws {
        let configuration = try options.loadConfiguration()
        var healthy = true
        for (name, tool, flag) in [("yt-dlp", configuration.ytDlpPath, "--version"),
                                   ("ffmpeg", configuration.ffmpegPath, "-version"),
                                   ("ffprobe", configuration.ffprobePath, "-version")]
        {
            if let version = Self.version(of: tool, flag: flag) {
                print("ok    \(name): \(version)")
            } else {
                print("FAIL  \(name): \(tool) not found or not runnable; install it or set \(name.replacingOccurrences(of: "-", with: "_"))_path")
                healthy = false
            }
        }
        if let paths = try? options.paths(configuration) {
            print("ok    root: \(paths.root)")
            if FilesystemKind.isNetwork(path: paths.inbox) {
                print("note  inbox is on a network filesystem: inotify cannot see other clients' writes; the rescan picks them up")
            }
        }
        if let limit = try? String(contentsOfFile: "/proc/sys/fs/inotify/max_user_watches", encoding: .utf8) {
            print("ok    inotify max_user_watches: \(limit.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        if !healthy { throw ExitCode(1) }
    }

    /// The first line a tool prints for its version flag, or nil when it cannot be run.
    static func version(of tool: String, flag: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool, flag]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init)
    }
}
