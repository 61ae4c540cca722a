/// The folder-contract §2 ignore rules that can be decided on a file name alone.
package enum InboxNameFilter {
    /// Suffixes of files still being written by common tools (editors, browsers, rsync, curl).
    static let partialSuffixes = [".tmp", ".part", ".partial", ".swp", "~"]

    /// folder-contract §2 ignore rules on the name alone: dot-names, *.tmp/.part/.partial/.swp, names ending in ~,
    /// anything not ending in .json.
    package static func isCandidate(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("."), !name.contains("/"), !name.contains("\0") else { return false }
        if partialSuffixes.contains(where: { name.hasSuffix($0) }) { return false }
        // Case-sensitive on purpose: the contract says `*.json`.
        return name.hasSuffix(".json")
    }
}
