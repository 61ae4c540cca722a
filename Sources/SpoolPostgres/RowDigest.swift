import Crypto
import SpoolStore

/// SHA-256 digests of canonical rows, computed the same way from either engine's rows.
///
/// A row's digest covers every column in canonical order, each as a NULL marker or its length and UTF-8
/// bytes (so `("ab", "c")` and `("a", "bc")` differ); a table's digest covers its rows' digests in ID
/// order (bytewise), so it does not depend on the order the rows were read in.
package enum RowDigest {
    package static func row(_ row: CanonicalRow) -> [UInt8] {
        var hasher = SHA256()
        for value in row.values {
            guard let value else {
                hasher.update(data: [0])
                continue
            }
            let bytes = Array(value.utf8)
            let count = UInt32(bytes.count)
            hasher.update(data: [
                1, UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF),
            ])
            hasher.update(data: bytes)
        }
        return Array(hasher.finalize())
    }

    /// Each row's digest by its ID (column 0).
    package static func byID(_ rows: [CanonicalRow]) -> [String: [UInt8]] {
        var digests: [String: [UInt8]] = [:]
        digests.reserveCapacity(rows.count)
        for row in rows { digests[row.values[0] ?? ""] = Self.row(row) }
        return digests
    }

    /// The table digest, hex.
    package static func table(_ digests: [String: [UInt8]]) -> String {
        var hasher = SHA256()
        for id in digests.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            hasher.update(data: digests[id]!)
        }
        let hex = Array("0123456789abcdef")
        return String(hasher.finalize().flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0xF)]] })
    }
}
