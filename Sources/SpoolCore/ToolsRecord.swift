import Foundation

/// `spool-tools/yt-dlp/record.json`: which installed yt-dlp the entry points at, and the one
/// before it (what `spool tools rollback` goes back to). tool-behaviour §4.
///
/// The entry symlink is the truth of what runs; the record says which version that is and
/// keeps the previous program, which the symlink alone cannot remember.
package struct ToolsRecord: Codable, Sendable, Equatable {
    /// One installed yt-dlp: its version and the program to run (an absolute path).
    package struct Entry: Codable, Sendable, Equatable {
        package var version: String
        package var program: String

        package init(version: String, program: String) {
            self.version = version
            self.program = program
        }
    }

    package var current: Entry
    package var previous: Entry?
    /// When the entry was last switched (ISO 8601, UTC).
    package var switchedAt: String

    enum CodingKeys: String, CodingKey {
        case current, previous
        case switchedAt = "switched_at"
    }

    package init(current: Entry, previous: Entry?, switchedAt: String) {
        self.current = current
        self.previous = previous
        self.switchedAt = switchedAt
    }

    /// The record after switching to `next`: what was current becomes previous (unless it is the same program).
    package func switching(to next: Entry, at time: String) -> ToolsRecord {
        ToolsRecord(current: next, previous: next.program == current.program ? previous : current, switchedAt: time)
    }

    /// The record after a rollback: previous and current trade places; nil when there is no previous.
    package func rolledBack(at time: String) -> ToolsRecord? {
        previous.map { ToolsRecord(current: $0, previous: current, switchedAt: time) }
    }

    package func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    package static func decode(_ data: Data) throws -> ToolsRecord {
        try JSONDecoder().decode(ToolsRecord.self, from: data)
    }
}
