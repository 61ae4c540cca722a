import Foundation

extension BatchValidator.Validation {
    /// Keys the hosted API knows but spool refuses, each with its own explanation.
    static let unsupportedKeys: [String: String] = [
        "webhook_url":
            "webhook_url is not supported for bulk jobs, as in the hosted API; remove it and poll the status files in jobs/ instead",
        "enable_progress_webhook":
            "enable_progress_webhook is not supported for bulk jobs, as in the hosted API; remove it and poll the status files in jobs/ instead",
        "storage": "storage is not supported by spool, which writes every output under out/; remove it",
        "paused": "paused is not supported for bulk jobs; remove it",
    ]

    /// Reports every key outside `known`, suggesting the closest known key when one is close.
    /// `path` is `nil` at the top level and `jobs[i]` inside a job item.
    mutating func checkKeys(_ keys: Set<String>, known: [String], path: String?) {
        for key in keys.sorted() where !known.contains(key) {
            // An empty key is named as `""` so the receipt still points at it.
            let name = key.isEmpty ? "\"\"" : key
            let field = path.map { "\($0).\(name)" } ?? name
            if key.isEmpty {
                fail(field, "an empty key is not allowed; remove it")
            } else if path == nil, let message = Self.unsupportedKeys[key] {
                fail(field, message)
            } else if path != nil, BatchValidator.topLevelKeys.contains(key) || Self.unsupportedKeys[key] != nil {
                fail(field, "unknown key; options apply to the whole batch, so move \(key) to the top level")
            } else if let suggestion = BatchValidator.closestKey(to: key, in: known) {
                fail(field, "unknown key; did you mean \(suggestion)?")
            } else if path != nil {
                fail(field, "unknown key; a job item takes only url and filename")
            } else {
                fail(field, "unknown key; remove it or correct its spelling")
            }
        }
    }
}

extension BatchValidator {
    /// The known key nearest to `key` (ignoring case, `-` for `_`, one swap counts once), if near enough to be a typo.
    static func closestKey(to key: String, in known: [String]) -> String? {
        let typed = Array(key.lowercased().replacingOccurrences(of: "-", with: "_"))
        var best: (key: String, distance: Int)?
        for candidate in known {
            let distance = editDistance(typed, Array(candidate))
            let allowed = candidate.count <= 4 ? 1 : candidate.count <= 8 ? 2 : 3
            // Mismatched underscores ("audioonly") are typos too, so compare without them as well.
            let loose = editDistance(typed.filter { $0 != "_" }, Array(candidate).filter { $0 != "_" })
            let score = min(distance, loose)
            if score <= allowed, score < (best?.distance ?? .max) { best = (candidate, score) }
        }
        return best?.key
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, table[i - 2][j - 2] + 1)
                }
                table[i][j] = value
            }
        }
        return table[a.count][b.count]
    }
}
