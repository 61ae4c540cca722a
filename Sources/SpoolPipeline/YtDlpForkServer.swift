import CSpoolFiles
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The yt-dlp fork server (issue 15; docs/ytdlp-fork-server.md): one long-lived Python helper per
/// service that has imported `yt_dlp` and compiled every extractor's URL pattern once, and forks a
/// child per download that runs yt-dlp's own CLI entry point with exactly the arguments an exec'd
/// yt-dlp would get. A download then costs its own work only, not yt-dlp's ~3 s of start-up CPU.
///
/// `ToolRunner.withTool` asks `helper(for:)` for each yt-dlp run; nil means "exec as before", which
/// is what happens while the helper starts (lazily, at the first yt-dlp run), when it is off
/// (`ytdlp_fork_server`), and whenever it is unavailable: a job never fails because of the helper.
/// A helper that dies is started again at the next run; one whose yt-dlp changed on disk
/// (`Fingerprint`) is retired (it exits once its running children have) and replaced.
///
/// Thread-safety: all state behind one mutex; a job's control message is sent under it, so a
/// retiring helper's socket is never closed while a message goes out on it.
package final class YtDlpForkServer: Sendable {
    /// The process-wide server the daemon configures; `ToolRunner`s use it unless told not to.
    package static let shared = YtDlpForkServer()

    struct Settings: Sendable {
        var program: Program
        var logger: Logger
    }

    /// A started helper, ready for jobs.
    final class Helper: Sendable {
        /// spool's end of the SOCK_SEQPACKET control socket (the helper's is its stdin).
        let control: Int32
        let processID: pid_t
        let fingerprint: Fingerprint
        let version: String

        init(control: Int32, processID: pid_t, fingerprint: Fingerprint, version: String) {
            self.control = control
            self.processID = processID
            self.fingerprint = fingerprint
            self.version = version
        }
    }

    struct State: Sendable {
        var settings: Settings?
        var helper: Helper?
        /// A helper is being started (its `ready` line has not come yet).
        var starting = false
        /// "the fork server is unavailable" has been logged since it last worked.
        var unavailableLogged = false
        /// Helpers in a row that exited before they were ready; at `maxFailedStarts` no more are started
        /// (an interpreter too old for the helper would otherwise cost a start per download).
        var failedStarts = 0
    }

    let state = Mutex(State())
    static let maxFailedStarts = 3

    package init() {}

    /// Turns the server on for `program` (or off). `enabled` nil: on when `program` is a Python entry
    /// point (`ytdlp_fork_server`'s default). Returns whether it is on.
    @discardableResult
    package func configure(program configured: String, enabled: Bool?, logger: Logger) -> Bool {
        let program = Program.inspect(configured)
        let on = (enabled ?? program.isPythonEntryPoint) && program.isPythonEntryPoint
        if enabled == true && !program.isPythonEntryPoint {
            logger.warning(
                "ytdlp_fork_server is true but yt_dlp_path is not a Python entry point; yt-dlp is exec'd",
                metadata: ["yt_dlp_path": "\(configured)", "found": "\(program.path ?? "not found")"])
        }
        let retired = state.withLock { state -> Helper? in
            state.settings = on ? Settings(program: program, logger: logger) : nil
            defer { state.helper = nil }
            return state.helper
        }
        if let retired { close(retired.control) }
        logger.info(
            "yt-dlp runs",
            metadata: [
                "ytdlp.path": "\(on ? "fork server" : "exec")", "yt_dlp_path": "\(configured)",
                "interpreter": "\(program.interpreter ?? "none")",
            ])
        return on
    }

    /// The helper to run `tool` through, or nil to exec it (not yt-dlp, off, starting, unavailable).
    /// Starts the helper when there is none, and replaces it when yt-dlp changed on disk.
    func helper(for tool: String) -> Helper? {
        let (helper, launch, retired) = state.withLock { state -> (Helper?, Settings?, Helper?) in
            guard let settings = state.settings, tool == settings.program.configured else { return (nil, nil, nil) }
            var retired: Helper?
            if let helper = state.helper {
                guard let now = Fingerprint.FileStamp(settings.program.path ?? tool),
                    now == helper.fingerprint.program,
                    helper.fingerprint.versionFile
                        == helper.fingerprint.versionFile.flatMap({
                            Fingerprint.FileStamp($0.path)
                        })
                else {
                    retired = helper
                    state.helper = nil
                    return (nil, Self.launch(&state), retired)
                }
                return (helper, nil, nil)
            }
            return (nil, Self.launch(&state), nil)
        }
        if let retired {
            state.withLock { $0.settings?.logger }?.notice(
                "yt-dlp changed on disk: replacing the fork server",
                metadata: ["ytdlp.version": "\(retired.version)", "pid": "\(retired.processID)"])
            // The retired helper reads end of file: it takes no new job and exits after its running ones.
            close(retired.control)
        }
        if let settings = launch { start(settings) }
        return helper
    }

    /// Marks a start as begun when none is under way; the settings to start with, or nil.
    private static func launch(_ state: inout State) -> Settings? {
        guard !state.starting, state.failedStarts < maxFailedStarts, let settings = state.settings else { return nil }
        state.starting = true
        return settings
    }

    /// Sends one job's request with its descriptors; false when the helper cannot take it (gone,
    /// retired, its socket full): the caller execs instead.
    func send(_ request: [UInt8], descriptors: [Int32], to helper: Helper) -> Bool {
        state.withLock { state in
            guard state.helper === helper else { return false }
            let sent = request.withUnsafeBytes { bytes in
                descriptors.withUnsafeBufferPointer {
                    CSpoolFiles_send_fds(
                        helper.control, bytes.baseAddress, bytes.count, $0.baseAddress, Int32(descriptors.count))
                }
            }
            return sent == request.count
        }
    }

    /// Logs, once until the server works again, that a yt-dlp run was exec'd because of `reason`.
    func unavailable(_ reason: String) {
        let logger = state.withLock { state -> Logger? in
            guard !state.unavailableLogged, let settings = state.settings else { return nil }
            state.unavailableLogged = true
            return settings.logger
        }
        logger?.warning("yt-dlp fork server unavailable: yt-dlp is exec'd instead", metadata: ["reason": "\(reason)"])
    }

    /// A job ran through the helper: the next unavailability is logged again.
    func worked() {
        state.withLock { $0.unavailableLogged = false }
    }
}
