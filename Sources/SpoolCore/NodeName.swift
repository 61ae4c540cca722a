/// A node's name in a cluster (`node_name`): 1 to 63 ASCII letters, digits, `.`, `-` or `_`, so it fits a
/// host name label, a log field and a PostgreSQL `node` row without quoting.
package enum NodeName {
    package static let maximumLength = 63

    package static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.count <= maximumLength && name.unicodeScalars.allSatisfy(allowed)
    }

    /// The default name: the host name with any other character as `-`, cut to 63 (`node` when empty).
    package static func fromHostName(_ host: String) -> String {
        let scalars = host.unicodeScalars.prefix(maximumLength).map { allowed($0) ? Character($0) : "-" }
        return scalars.isEmpty ? "node" : String(scalars)
    }

    private static func allowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_": true
        default: false
        }
    }
}
