import SpoolFiles

/// Claims on a shared (NFS) inbox with several nodes: each node claims into `inbox/.claimed/<node>/`, and a
/// live node adopts the claimed files of a node the store marked lost. A single node keeps `inbox/.claimed`.
extension InboxClaimer {
    /// `inbox/.claimed/<node>`: where `node` keeps its claimed files in a cluster. The single-node claim
    /// directory, `inbox/.claimed`, lists only regular files, so these directories never show up in its
    /// leftovers.
    package static func nodeClaimDirectory(inbox: String, node: String) throws -> String {
        // The name becomes a path component: only a plain one, that cannot leave `.claimed` or hide as a
        // dot-name, is taken.
        let plain = node.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || "-_.".utf8.contains(byte)
        }
        guard plain, !node.isEmpty, node.utf8.count <= 255, !node.hasPrefix(".") else {
            throw FileError(
                .createDirectory,
                "node_name \"\(node)\" cannot name a claim directory: use ASCII letters, digits, '-', '_' or '.' "
                    + "(at most 255, not starting with '.')",
                path: "\(inbox)/.claimed")
        }
        return "\(inbox)/.claimed/\(node)"
    }

    /// Moves every claimed file of a lost node (`lostNodeDirectory`, that node's `nodeClaimDirectory`) into
    /// `claimDirectory`, oldest first, keeping each `<token>--<name>`: the batch's unique claim name is
    /// derived from it, so a batch the lost node already stored is not stored twice. An ENOENT from a rename
    /// is judged as in `claim` (present at the destination: ours; absent: another node adopted it). Returns
    /// the adopted files' new paths, oldest first; the caller ingests them as it does its own leftovers.
    package static func adopt(
        from lostNodeDirectory: String, into claimDirectory: String, renamer: Renamer = .system
    ) throws -> [String] {
        let files = leftovers(in: lostNodeDirectory)
        guard !files.isEmpty, lostNodeDirectory != claimDirectory else { return [] }
        try Posix.createDirectory(claimDirectory)
        var adopted: [String] = []
        for source in files {
            let name = source.dropFirst(lostNodeDirectory.count + 1)  // leftovers gives "<directory>/<name>"
            let destination = "\(claimDirectory)/\(name)"
            if try move(source, to: destination, renamer: renamer) { adopted.append(destination) }
        }
        return adopted
    }
}

extension InboxClaimer {
    /// Renames `source` to `destination` (a name only this node uses), creating the destination's directory;
    /// true when the file is now there, false when another node took it first. After ENOENT the destination
    /// decides, as in `claim` (NFS can report ENOENT for a rename it did).
    package static func take(_ source: String, to destination: String, renamer: Renamer = .system) throws -> Bool {
        try Posix.createDirectory(Posix.directory(of: destination))
        return try move(source, to: destination, renamer: renamer)
    }
}
