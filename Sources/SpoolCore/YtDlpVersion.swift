import Foundation

/// A yt-dlp release version: its release date, `YYYY.MM.DD`, with an optional build number
/// (`2026.10.26.1`, or a nightly's `2026.10.26.232901`). Versions compare by date, then build.
///
/// Only strings of this shape are accepted, so a version can go into a pip requirement
/// (`yt-dlp==V`) and a directory name without any escaping (tool-behaviour §4).
package struct YtDlpVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let year: Int
    package let month: Int
    package let day: Int
    package let build: Int?
    /// The text as yt-dlp and PyPI write it (`2026.10.26`; PyPI drops leading zeros: `2026.9.1`).
    package let text: String

    /// Parses `YYYY.MM.DD` or `YYYY.MM.DD.N`; nil for anything else (letters, signs, spaces, `..`).
    package init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 || parts.count == 4,
            parts.allSatisfy({ !$0.isEmpty && $0.count <= 9 && $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return nil }
        let numbers = parts.compactMap { Int($0) }
        guard numbers.count == parts.count, parts[0].count == 4,
            (1...12).contains(numbers[1]), (1...31).contains(numbers[2])
        else { return nil }
        (year, month, day) = (numbers[0], numbers[1], numbers[2])
        build = numbers.count == 4 ? numbers[3] : nil
        self.text = trimmed
    }

    package var description: String { text }

    /// The release date (midnight UTC), from the version itself.
    package var releaseDate: Date? {
        var components = DateComponents()
        (components.year, components.month, components.day) = (year, month, day)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)
    }

    /// Whole days between the release date and `now` (0 for a date in the future).
    package func ageInDays(now: Date = Date()) -> Int? {
        releaseDate.map { max(0, Int(now.timeIntervalSince($0) / 86_400)) }
    }

    package static func < (lhs: YtDlpVersion, rhs: YtDlpVersion) -> Bool {
        (lhs.year, lhs.month, lhs.day, lhs.build ?? -1) < (rhs.year, rhs.month, rhs.day, rhs.build ?? -1)
    }

    /// Equal when they name the same release (`2026.09.01` == `2026.9.1`).
    package static func == (lhs: YtDlpVersion, rhs: YtDlpVersion) -> Bool {
        (lhs.year, lhs.month, lhs.day, lhs.build) == (rhs.year, rhs.month, rhs.day, rhs.build)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(year)
        hasher.combine(month)
        hasher.combine(day)
        hasher.combine(build)
    }
}
