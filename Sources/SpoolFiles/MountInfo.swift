/// `/proc/self/mountinfo` read by a pure parser: which mount holds a path, its filesystem type and
/// options. `spool doctor` uses it to warn about an NFS inbox whose lookups are cached (`lookupcache`).
package enum MountInfo {
    /// One mount (proc(5): `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL…] - FSTYPE SOURCE SUPEROPTIONS`).
    package struct Entry: Sendable, Equatable {
        package var mountPoint: String
        package var fsType: String
        package var source: String
        /// Per-mount options and the filesystem's own (`super`) options, merged.
        package var options: [String]

        /// The value of `name=` in the options, nil when absent.
        package func option(_ name: String) -> String? {
            options.last { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }

        package var isNFS: Bool { fsType == "nfs" || fsType == "nfs4" }

        /// NFS's `lookupcache` in force (`all`, the kernel's default when absent, `positive` or `none`);
        /// nil when the mount is not NFS.
        package var nfsLookupCache: String? { isNFS ? (option("lookupcache") ?? "all") : nil }
    }

    /// Every well-formed line of a mountinfo text; malformed lines are skipped.
    package static func parse(_ text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count >= dash + 3 else { return nil }
            var options = fields[5].split(separator: ",").map(String.init)
            if dash + 3 < fields.count { options += fields[dash + 3].split(separator: ",").map(String.init) }
            return Entry(
                mountPoint: unescape(fields[4]), fsType: fields[dash + 1], source: unescape(fields[dash + 2]),
                options: options)
        }
    }

    /// The mount holding `path` (absolute, symlinks already resolved): the longest mount point that is
    /// `path` or one of its parents; the last such line wins (a later mount hides an earlier one).
    package static func mount(of path: String, in entries: [Entry]) -> Entry? {
        var best: Entry?
        for entry in entries {
            let point = entry.mountPoint
            let holds = point == "/" || path == point || path.hasPrefix(point.hasSuffix("/") ? point : point + "/")
            if holds && point.count >= (best?.mountPoint.count ?? -1) { best = entry }
        }
        return best
    }

    /// Octal escapes the kernel writes for space, tab, newline and backslash (`\040`).
    static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var result = ""
        var scalars = Array(field.unicodeScalars)[...]
        while let first = scalars.first {
            if first == "\\", scalars.count >= 4,
                let code = UInt8(String(String.UnicodeScalarView(scalars.dropFirst().prefix(3))), radix: 8)
            {
                result.unicodeScalars.append(Unicode.Scalar(code))
                scalars = scalars.dropFirst(4)
            } else {
                result.unicodeScalars.append(first)
                scalars = scalars.dropFirst()
            }
        }
        return result
    }
}
