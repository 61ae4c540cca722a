import PostgresNIO

/// A PostgreSQL failure in words an operator can act on: the server's SQLSTATE and message, or why the
/// connection failed. Never holds a password (postgres-nio's own description is redacted for that reason,
/// and the server's messages name users, not secrets).
package struct PostgresStoreError: Error, CustomStringConvertible {
    /// The SQLSTATE code when the server answered with an error (`23505` unique violation, …).
    package var sqlState: String?
    package var message: String

    package init(sqlState: String? = nil, message: String) {
        self.sqlState = sqlState
        self.message = message
    }

    /// A unique constraint refused the write.
    package var isUniqueViolation: Bool { sqlState == "23505" }
    /// A CHECK constraint refused the write.
    package var isCheckViolation: Bool { sqlState == "23514" }
    /// The server refused the user name or password.
    package var isAuthenticationFailure: Bool { sqlState == "28P01" || sqlState == "28000" }

    package var description: String {
        sqlState.map { "PostgreSQL error \($0): \(message)" } ?? "PostgreSQL: \(message)"
    }

    /// `error` as a `PostgresStoreError` when it comes from postgres-nio (also inside a transaction error);
    /// any other error unchanged.
    package static func wrap(_ error: any Error) -> any Error {
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                return wrap(inner)
            }
            return PostgresStoreError(message: "transaction failed")
        }
        guard let error = error as? PSQLError else { return error }
        if let info = error.serverInfo {
            var message = info[.message] ?? "the server refused the request"
            if let detail = info[.detail] { message += " (\(detail))" }
            return PostgresStoreError(sqlState: info[.sqlState], message: message)
        }
        let underlying = error.underlying.map { ": \($0)" } ?? ""
        return PostgresStoreError(message: "\(error.code)\(underlying)")
    }
}
