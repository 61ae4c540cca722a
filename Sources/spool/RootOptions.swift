import ArgumentParser
import Foundation
import SpoolCore
import SpoolService

/// `--root` and `--config`, shared by every command that touches a root (folder-contract §10).
///
/// Precedence, highest first: command-line flags, `SPOOL_*` environment variables, the
/// configuration file (`--config`, else `$SPOOL_CONFIG`), the defaults.
struct RootOptions: ParsableArguments {
    @Option(name: .long, help: "The root directory (default: $SPOOL_ROOT, then the configuration's root).")
    var root: String?

    @Option(name: .long, help: "A JSON configuration file (default: $SPOOL_CONFIG; see config/README.md).")
    var config: String?

    func loadConfiguration() throws -> SpoolConfiguration {
        try loadEffective().configuration
    }

    /// The configuration in force, with `extraFlags` (by key name) on top of everything else.
    func loadEffective(extraFlags: [String: ConfigValue] = [:]) throws -> EffectiveConfiguration {
        var flags = extraFlags
        if let root { flags["root"] = .string(root) }
        do {
            let effective = try ConfigLoader.load(
                file: config, environment: ProcessInfo.processInfo.environment, flags: flags)
            _ = try DatabaseSetting.url(effective)
            return effective
        } catch let problem as ConfigurationError {
            throw configurationExit(problem)
        }
    }

    func paths(_ configuration: SpoolConfiguration) throws -> SpoolPaths {
        // `--root` and SPOOL_ROOT are already merged into the configuration's root, in that order.
        guard let root = root ?? configuration.root else {
            throw ValidationError("no root: pass --root DIR, set SPOOL_ROOT, or set root in the configuration")
        }
        return SpoolPaths(root: root, configuration: configuration)
    }
}

/// The service's own overrides, for `serve` and `config` (flags beat the environment and the file).
struct ServiceOptions: ParsableArguments {
    @Flag(help: "Allow URLs whose host is on loopback or a private network (tests, LANs).")
    var allowPrivateNetwork = false

    @Flag(help: "Watch the inbox by listing it only, without inotify (scan_only).")
    var scanOnly = false

    @Option(help: "Jobs downloading at once (downloads).")
    var downloads: Int?

    @Option(help: "ffmpeg encodes at once; 0 = one per core (encodes).")
    var encodes: Int?

    @Option(help: "Retries of a technical failure (retries).")
    var retries: Int?

    @Option(name: .customLong("rescan-interval-s"), help: "Seconds between inbox rescans (rescan_interval_s).")
    var rescanInterval: Double?

    @Option(help: "The inbox directory, when not <root>/inbox (inbox).")
    var inbox: String?

    @Option(help: "The output directory, when not <root>/out (out).")
    var out: String?

    @Option(help: "The database directory, when not <root>/state (state).")
    var state: String?

    @Option(help: "A file of API keys, one a line (api_keys_file).")
    var apiKeysFile: String?

    @Option(
        name: .customLong("metrics-interval-s"),
        help: "Seconds between metrics.prom rewrites; 0 = off (metrics_interval_s).")
    var metricsInterval: Double?

    // Text, not `LogLevel`: a bad level is a configuration error (exit 78, the loader's message),
    // as it is from the file or SPOOL_LOG_LEVEL, not a usage error.
    @Option(
        help: "trace, debug, info, notice, warning, error or critical (log_level).",
        completion: .list(LogLevel.allValueStrings))
    var logLevel: String?

    @Option(help: "Also publish outputs to s3://bucket[/prefix] (publish_to; docs/publishing.md).")
    var publishTo: String?
    @Option(name: .customLong("http"), help: "Serve the HTTP API on HOST:PORT, e.g. 127.0.0.1:8080 (http_listen).")
    var httpListen: String?
    @Option(help: "sqlite, or postgres://user[:password]@host[:port]/dbname (database; docs/cluster.md).")
    var database: String?
    @Option(help: "This node's name in a cluster; default: the host name (node_name).")
    var nodeName: String?
    @Option(help: "The scratch directory of running jobs, when not <root>/work (work).")
    var work: String?

    /// The flags that were given, by configuration key; the loader types them like every other layer.
    var flags: [String: ConfigValue] {
        var f: [String: ConfigValue] = [:]
        if allowPrivateNetwork { f["allow_private_network"] = .bool(true) }
        if scanOnly { f["scan_only"] = .bool(true) }
        if let downloads { f["downloads"] = .integer(downloads) }
        if let encodes { f["encodes"] = .integer(encodes) }
        if let retries { f["retries"] = .integer(retries) }
        if let rescanInterval { f["rescan_interval_s"] = .number(rescanInterval) }
        if let inbox { f["inbox"] = .string(inbox) }
        if let out { f["out"] = .string(out) }
        if let state { f["state"] = .string(state) }
        if let apiKeysFile { f["api_keys_file"] = .string(apiKeysFile) }
        if let metricsInterval { f["metrics_interval_s"] = .number(metricsInterval) }
        if let logLevel { f["log_level"] = .string(logLevel) }
        if let publishTo { f["publish_to"] = .string(publishTo) }
        if let httpListen { f["http_listen"] = .string(httpListen) }
        if let database { f["database"] = .string(database) }
        if let nodeName { f["node_name"] = .string(nodeName) }
        if let work { f["work"] = .string(work) }
        return f
    }
}

/// Reports an unusable configuration on stderr and gives the exit code for it (78, EX_CONFIG).
func configurationExit(_ problem: ConfigurationError) -> ExitCode {
    FileHandle.standardError.write(Data("spool: configuration: \(problem.message)\n".utf8))
    return ExitCode(78)
}
