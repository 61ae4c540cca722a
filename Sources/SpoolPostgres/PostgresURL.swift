import Foundation
import PostgresNIO

/// A `database` URL, `postgres://user[:password]@host[:port]/dbname[?sslmode=…&host=/socket/dir&port=N]`
/// (libpq's forms; with `?host=`, the host in the authority is ignored).
///
/// `description` masks the password (`postgres://user:***@host/db`): print that, never the text given.
package struct PostgresURL: Sendable, CustomStringConvertible {
    package var user: String
    package var password: String?
    /// A TCP host, or nil with `socketDirectory` set.
    package var host: String?
    package var port: Int
    package var database: String
    /// `?host=/dir`: connect to `<dir>/.s.PGSQL.<port>` (libpq's convention).
    package var socketDirectory: String?
    package var sslMode: String

    package init(_ text: String) throws(PostgresURLError) {
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw .invalid("expected postgres://user[:password]@host[:port]/dbname")
        }
        guard let user = parts.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw .invalid("the URL names no user (postgres://USER@host/dbname)")
        }
        self.user = user
        password = parts.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        guard !path.isEmpty, !path.contains("/") else { throw .invalid("the URL names no database (…/DBNAME)") }
        database = path
        port = parts.port ?? 5432
        sslMode = "prefer"
        for item in parts.queryItems ?? [] {
            switch item.name {
            case "host":
                guard let dir = item.value, dir.hasPrefix("/") else {
                    throw .invalid("?host= must be an absolute socket directory")
                }
                socketDirectory = dir
            case "port":
                guard let number = item.value.flatMap({ Int($0) }), (1...65535).contains(number) else {
                    throw .invalid("?port= must be a port number")
                }
                port = number
            case "sslmode":
                guard let mode = item.value, ["disable", "prefer", "require"].contains(mode) else {
                    throw .invalid("sslmode must be disable, prefer or require")
                }
                sslMode = mode
            default:
                throw .invalid("unknown parameter \(item.name) (known: host, port, sslmode)")
            }
        }
        let named = parts.host.map { $0.removingPercentEncoding ?? $0 }.flatMap { $0.isEmpty ? nil : $0 }
        guard named != nil || socketDirectory != nil else {
            throw .invalid("the URL names no host (postgres://user@HOST/dbname or ?host=/socket/dir)")
        }
        host = socketDirectory == nil ? named : nil
    }

    /// The URL with its password masked.
    package var description: String {
        var text = "postgres://\(user)"
        if password != nil { text += ":***" }
        text += "@\(host ?? "")"
        if port != 5432 && socketDirectory == nil { text += ":\(port)" }
        text += "/\(database)"
        var query: [String] = []
        if let socketDirectory {
            query.append("host=\(socketDirectory)")
            if port != 5432 { query.append("port=\(port)") }
        }
        if sslMode != "prefer" { query.append("sslmode=\(sslMode)") }
        return query.isEmpty ? text : text + "?" + query.joined(separator: "&")
    }

    /// postgres-nio's client configuration for this URL.
    package var clientConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password,
                database: database)
        } else {
            let tls: PostgresClient.Configuration.TLS =
                switch sslMode {
                case "disable": .disable
                case "require": .require(.makeClientConfiguration())
                default: .prefer(.makeClientConfiguration())
                }
            configuration = .init(
                host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(5)
        // At least one connection, always: with none, a request waiting in postgres-nio's pool when the last
        // connection closes (the server shutting down) is stranded, since only the minimum makes a replacement
        // (vapor/postgres-nio#657, seen here as a node whose status write never returned after an outage).
        configuration.options.minimumConnections = 1
        return configuration
    }
}

extension PostgresURL {
    /// A single connection's configuration for this URL (the check before a pool starts).
    package func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketDirectory {
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password,
                database: database)
        } else {
            let tls: PostgresConnection.Configuration.TLS =
                switch sslMode {
                case "disable": .disable
                case "require": .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                default: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
            configuration = .init(
                host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}

/// A `database` URL that cannot be used; never holds the password.
package enum PostgresURLError: Error, CustomStringConvertible {
    case invalid(String)

    package var description: String {
        switch self {
        case .invalid(let why): "database URL: \(why)"
        }
    }
}
