import Synchronization

/// How many external tool processes this process is running now, by program name
/// (`yt-dlp`, `ffmpeg`, `ffprobe`, …). The tool runner counts each process it starts and
/// ends; the metrics read the counts instead of scanning /proc.
package final class RunningTools: Sendable {
    /// The process-wide counts the tool runner updates.
    package static let shared = RunningTools()

    private let counts = Mutex<[String: Int]>([:])

    package init() {}

    /// One more `tool` process is running.
    package func started(_ tool: String) {
        counts.withLock { $0[Self.name(of: tool), default: 0] += 1 }
    }

    /// One `tool` process has ended (exited, been killed or failed to start after `started`).
    package func ended(_ tool: String) {
        counts.withLock { counts in
            let name = Self.name(of: tool)
            let left = (counts[name] ?? 0) - 1
            counts[name] = left > 0 ? left : nil
        }
    }

    /// The running processes by program name; names with none running are absent.
    package var snapshot: [String: Int] { counts.withLock { $0 } }

    /// The program name of a path or bare name: `/opt/venv/bin/yt-dlp` counts as `yt-dlp`.
    static func name(of tool: String) -> String {
        tool.split(separator: "/").last.map(String.init) ?? tool
    }
}
