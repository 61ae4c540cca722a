/// How much the service logs on stderr (`log_level`); the names are swift-log's levels.
package enum LogLevel: String, Codable, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}
