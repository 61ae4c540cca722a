import Foundation

/// Where a configuration value came from: the file, a `SPOOL_*` variable or a command-line flag.
package enum ConfigOrigin: Sendable, Equatable, CustomStringConvertible {
    /// The configuration file, by path.
    case file(String)
    /// An environment variable, by name (`SPOOL_DOWNLOADS`).
    case environment(String)
    /// A command-line flag, by its long name with dashes (`--downloads`).
    case flag(String)

    /// The flag that sets `key`: `rescan_interval_s` → `--rescan-interval-s`.
    package static func flag(forKey key: String) -> ConfigOrigin {
        .flag("--" + key.replacingOccurrences(of: "_", with: "-"))
    }

    /// As `spool config` prints it: `file PATH`, `env NAME`, `flag --NAME`.
    package var description: String {
        switch self {
        case .file(let path): "file \(path)"
        case .environment(let name): "env \(name)"
        case .flag(let name): "flag \(name)"
        }
    }

    /// As messages put it, after the problem: `in PATH`, `set by NAME`.
    package var phrase: String {
        switch self {
        case .file(let path): "in \(path)"
        case .environment(let name), .flag(let name): "set by \(name)"
        }
    }

    /// `phrase`, or `default` for a value no layer set.
    package static func phrase(_ origin: ConfigOrigin?) -> String { origin?.phrase ?? "default" }
}
