import ArgumentParser
import Logging
import SpoolCore

// The configuration's closed sets as command-line values (only this executable imports ArgumentParser).

extension NameConflict: ExpressibleByArgument {}

extension LogLevel: ExpressibleByArgument {}

extension Logger.Level {
    /// The swift-log level a configured `log_level` names (the names are the same).
    init(_ level: LogLevel) {
        self = Logger.Level(rawValue: level.rawValue) ?? .info
    }
}
