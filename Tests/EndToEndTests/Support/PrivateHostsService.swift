import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `spool serve` in a private mount namespace whose `/etc/hosts` is a file the test rewrites while it runs.
///
/// Only the service (and the tools it starts) sees the file: it is bind-mounted over `/etc/hosts` inside
/// `unshare -m`, so the test process, the lab server and the rest of the machine keep the real one.
/// Needs root and unshare(1); `unavailableReason()` says why it cannot run here.
final class PrivateHostsService {
    let hosts: URL
    private let process: ChildProcess

    /// Why the service cannot run in a private mount namespace here, or nil when it can.
    static func unavailableReason() -> String? {
        if geteuid() != 0 { return "needs root for unshare -m and the bind mount over /etc/hosts (CI runs as root)" }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else {
            return "needs /usr/bin/unshare (util-linux)"
        }
        guard
            let probe = try? runCommand(
                URL(fileURLWithPath: "/usr/bin/unshare"),
                [
                    "-m", "--propagation", "private", "/bin/sh", "-c",
                    "mount --bind /etc/hostname /etc/hosts && echo ok",
                ],
                timeout: 10), probe.status == 0, probe.stdout.contains("ok")
        else {
            return "unshare -m with a bind mount over /etc/hosts does not work in this environment"
        }
        return nil
    }

    /// Starts `spool serve --root ROOT --config CFG` of `spool` in the namespace, with `hostsText` as /etc/hosts.
    init(_ spool: SpoolRoot, hostsText: String) throws {
        hosts = spool.base.appendingPathComponent("hosts")
        try Data(hostsText.utf8).write(to: hosts)
        // The shell mounts, then execs the service: the pid the test holds is the service's.
        let script = #"mount --bind "$1" /etc/hosts && shift && exec "$@""#
        process = try ChildProcess(
            executable: "/usr/bin/unshare",
            arguments: [
                "-m", "--propagation", "private", "/bin/sh", "-c", script, "sh", hosts.path,
                spool.binary.path, "serve", "--root", spool.root.path, "--config", spool.config.path,
            ],
            environment: Paths.childEnvironment, cwd: spool.base.path, logPath: spool.log.path)
    }

    deinit { stop() }

    /// Rewrites the hosts file in place: the bind mount holds its inode, so a rename would not be seen.
    func setHosts(_ text: String) throws {
        let handle = try FileHandle(forWritingTo: hosts)
        defer { try? handle.close() }
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
    }

    var isRunning: Bool { process.isRunning }

    /// SIGTERM, then SIGKILL after 10 s.
    func stop() {
        guard process.isRunning else { return }
        process.signal(SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.signal(SIGKILL)
            process.waitBlocking()
        }
    }
}
