import Foundation
import Logging
import Subprocess
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

extension YtDlpForkServer {
    /// Starts a helper in the background: the program's interpreter runs `script` with the program's
    /// path as its argument and a SOCK_SEQPACKET socket as its stdin. It is ready when it prints
    /// `ready {json}` (it has imported yt_dlp and compiled the extractors' patterns); it ends at end of
    /// file on that socket (spool has exited, or retired it) once its last child has ended.
    func start(_ settings: Settings) {
        Task.detached { [self] in
            let logger = settings.logger
            let began = ContinuousClock.now
            var pair: [Int32] = [-1, -1]
            guard let interpreter = settings.program.interpreter, let path = settings.program.path,
                let before = Fingerprint.FileStamp(path),
                socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0
            else {
                state.withLock { $0.starting = false }
                unavailable("yt_dlp_path cannot be read, or the helper's socket could not be made (errno \(errno))")
                return
            }
            let control = pair[0]
            var options = PlatformOptions()
            // Its own session: a signal to spool's process group (a terminal's Ctrl-C) does not reach it.
            options.createSession = true
            let configuration = Configuration(
                executable: .path(FilePath(interpreter)), arguments: ["-c", Self.script, path],
                environment: .inherit, workingDirectory: "/", platformOptions: options)
            var installed: Helper?
            do {
                _ = try await Subprocess.run(
                    configuration,
                    input: .fileDescriptor(FileDescriptor(rawValue: pair[1]), closeAfterSpawningProcess: true),
                    output: .sequence, error: .currentStandardError
                ) { execution in
                    let pid = execution.processIdentifier.value
                    for try await line in execution.standardOutput.strings() {
                        guard installed == nil, line.hasPrefix("ready ") else { continue }
                        let ready = Ready.parse(line.dropFirst(6))
                        let helper = Helper(
                            control: control, processID: pid,
                            fingerprint: Fingerprint(
                                program: before, versionFile: ready.versionFile.flatMap(Fingerprint.FileStamp.init)),
                            version: ready.version)
                        installed = helper
                        state.withLock {
                            $0.helper = helper
                            $0.starting = false
                            $0.unavailableLogged = false
                            $0.failedStarts = 0
                        }
                        logger.info(
                            "yt-dlp fork server ready",
                            metadata: [
                                "pid": "\(pid)", "ytdlp.version": "\(ready.version)",
                                "startup_s": "\(Self.seconds(ContinuousClock.now - began))",
                            ])
                    }
                }
            } catch {
                logger.warning("yt-dlp fork server could not start", metadata: ["error": "\(error)"])
            }
            // Gone (killed, crashed, or retired and done): the next yt-dlp run starts another.
            let current = state.withLock { state -> Bool in
                let current = installed != nil && state.helper === installed
                if current { state.helper = nil }
                if installed == nil {
                    state.starting = false
                    state.failedStarts += 1
                }
                return current
            }
            if current {
                logger.warning("yt-dlp fork server exited; it is started again at the next download")
                close(control)
            } else if installed == nil {
                unavailable("the helper exited before it was ready")
                close(control)
            }
        }
    }

    /// The helper's `ready` line: `{"version": "…", "version_file": "…/yt_dlp/version.py"}`.
    struct Ready: Decodable {
        var version: String
        var versionFile: String?

        enum CodingKeys: String, CodingKey {
            case version
            case versionFile = "version_file"
        }

        static func parse(_ text: Substring) -> Ready {
            (try? JSONDecoder().decode(Ready.self, from: Data(text.utf8))) ?? Ready(version: "unknown")
        }
    }

    static func seconds(_ d: Duration) -> Double {
        ((Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) * 1000).rounded() / 1000
    }
}
