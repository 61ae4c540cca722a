import SpoolCore
import SpoolPostgres

/// `database` as the executable reads it: `sqlite`, or a URL parsed by the PostgreSQL engine's own
/// `PostgresURL` (one parser; SpoolCore checks only the shape), shown only with its password masked.
enum DatabaseSetting {
    /// The PostgreSQL URL in force, nil for SQLite; a URL that does not parse is a configuration error
    /// naming the key, the problem and where it was set, never the text (it may hold a password).
    static func url(_ effective: EffectiveConfiguration) throws -> PostgresURL? {
        let configuration = effective.configuration
        guard configuration.usesPostgres else { return nil }
        do {
            return try PostgresURL(configuration.database)
        } catch {
            guard case .invalid(let why) = error else { throw error }
            throw ConfigurationError(
                message:
                    "database is not a usable PostgreSQL URL: \(why) (\(ConfigOrigin.phrase(effective.origins["database"])))",
                key: "database")
        }
    }

    /// The value to print: `sqlite`, the URL with `***` for its password, or `(hidden)` when it does not parse.
    static func masked(_ database: String) -> String {
        guard database != "sqlite" else { return database }
        return (try? PostgresURL(database))?.description ?? "(hidden)"
    }
}
