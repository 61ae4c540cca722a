import Foundation
import Glibc
import SpoolFiles

/// Takes a file out of the inbox with one atomic rename, so two processes never take the same file.
package enum InboxClaimer {
    /// Separates the claim token from the original name; the token itself never contains it.
    static let separator = "--"

    /// Opens inbox/name with O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC, fstat()s it (regular file only), then
    /// claims it with an atomic rename(2) into claimDirectory as "<token>--<name>" (token: unix-ms + random hex,
    /// never containing "--"), then reads it from the still-open fd (up to maxBytes). Creates claimDirectory if
    /// missing. An ENOENT from the rename is checked against the destination (`move`), as NFS requires.
    package static func claim(
        name: String, inbox: String, claimDirectory: String, maxBytes: Int, renamer: Renamer = .system
    ) throws -> ClaimOutcome {
        let source = "\(inbox)/\(name)"
        // lstat first: opening a device node can have side effects, so such names are never opened.
        guard let before = Posix.lstat(source) else {
            if errno == ENOENT || errno == ENOTDIR { return .gone }
            throw FileError.system(.open, "cannot examine inbox file", path: source)
        }
        guard Posix.isRegular(before) else { return .notRegular }

        var fd = Posix.open(source, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: return .gone
            case ELOOP, ENXIO: return .notRegular  // swapped for a symlink or socket since the lstat
            default: throw FileError.system(.open, "cannot open inbox file", path: source)
            }
        }
        defer { close(fd) }
        guard var info = Posix.fstat(fd), Posix.isRegular(info) else { return .notRegular }

        try Posix.createDirectory(claimDirectory)
        let destination = "\(claimDirectory)/\(makeToken())\(separator)\(name)"
        guard try move(source, to: destination, renamer: renamer) else { return .gone }

        // Between open and rename another process may have claimed our file and a new one taken its
        // name; then we moved the new one, so read what we actually hold.
        if let moved = Posix.lstat(destination), moved.st_ino != info.st_ino || moved.st_dev != info.st_dev {
            let reopened = Posix.open(destination, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard reopened >= 0 else { throw FileError.system(.open, "cannot open claimed file", path: destination) }
            close(fd)
            fd = reopened
            guard let fresh = Posix.fstat(fd), Posix.isRegular(fresh) else { return .notRegular }
            info = fresh
        }

        let size = Int(info.st_size)
        if size > maxBytes {
            return .tooLarge(ClaimedFile(path: destination, originalName: name, data: Data(), size: size))
        }
        let data = try Posix.read(fd, upTo: maxBytes, path: destination)
        if data.count > maxBytes {  // grew after the fstat
            return .tooLarge(ClaimedFile(path: destination, originalName: name, data: Data(), size: data.count))
        }
        return .claimed(ClaimedFile(path: destination, originalName: name, data: data, size: data.count))
    }

    /// Renames `source` to `destination`; true when the file is now at `destination`, false when another
    /// process took it first. On NFS a rename can take place and still report ENOENT (the server answers a
    /// retransmitted RENAME whose first copy it already did), so after ENOENT the destination decides: it is
    /// present only if our rename happened, because only this call uses its name (a fresh token, or a lost
    /// node's claim that a single adopter moves into its own directory). The source is not consulted: a new
    /// file may already have taken its name, and NFS's lookup cache can show a renamed source for a while.
    static func move(_ source: String, to destination: String, renamer: Renamer) throws -> Bool {
        let failure = renamer.rename(source, destination)
        switch failure {
        case 0: return true
        case ENOENT: return Posix.lstat(destination) != nil
        case EXDEV:
            let directory = String(destination[..<(destination.lastIndex(of: "/") ?? destination.endIndex)])
            throw FileError.system(
                .crossDevice, "the claim directory must be on the inbox's filesystem", path: directory, errno: failure)
        default:
            throw FileError.system(.rename, "cannot claim inbox file", path: source, errno: failure)
        }
    }

    /// "<token>--<name>" -> "<name>"
    package static func originalName(ofClaimedFileName claimed: String) -> String {
        guard let range = claimed.range(of: separator) else { return claimed }
        return String(claimed[range.upperBound...])
    }

    /// Claimed files left by a crash, oldest first, for re-processing at start-up.
    package static func leftovers(in claimDirectory: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: claimDirectory) else { return [] }
        let claimed = names.compactMap { name -> (millis: Int64, name: String)? in
            guard !name.hasPrefix("."), let range = name.range(of: separator) else { return nil }
            guard let info = Posix.lstat("\(claimDirectory)/\(name)"), Posix.isRegular(info) else { return nil }
            let token = name[..<range.lowerBound]
            let millis = Int64(token.prefix { $0 != "-" }) ?? 0
            return (millis, name)
        }
        return claimed.sorted { ($0.millis, $0.name) < ($1.millis, $1.name) }.map { "\(claimDirectory)/\($0.name)" }
    }

    /// "<unix-ms>-<16 hex>": sortable by age, unique across processes, and free of "--".
    static func makeToken() -> String {
        "\(Int64(Date().timeIntervalSince1970 * 1000))-\(Posix.randomHex(bytes: 8))"
    }
}
