import Foundation

/// Parses the clip time formats of folder-contract §3: `HH:MM:SS`, `MM:SS` or seconds, fractions allowed.
package enum ClipTime {
    /// Seconds from the start of the media, or `nil` when `text` is malformed or negative.
    ///
    /// Only the last component may carry a fraction (`00:01:02.25`, `90.5`). With more than one
    /// component, seconds must be below 60, and so must minutes when hours are given; the leading
    /// component is unbounded so `90:00` means ninety minutes.
    package static func parse(_ text: String) -> Double? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var total = 0.0
        for (index, part) in parts.enumerated() {
            let isLast = index == parts.count - 1
            guard let value = isLast ? decimal(part) : integer(part) else { return nil }
            // A non-leading component is a sub-unit of the one before it.
            if index > 0 && value >= 60 { return nil }
            total = total * 60 + value
        }
        return total.isFinite ? total : nil
    }

    /// ASCII digits only: no sign, no exponent, no spaces.
    private static func integer(_ part: Substring) -> Double? {
        guard !part.isEmpty, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Double(part)
    }

    /// Digits with an optional `.digits` fraction.
    private static func decimal(_ part: Substring) -> Double? {
        let pieces = part.split(separator: ".", omittingEmptySubsequences: false)
        switch pieces.count {
        case 1: return integer(pieces[0])
        case 2:
            guard integer(pieces[0]) != nil, integer(pieces[1]) != nil else { return nil }
            return Double(part)
        default: return nil
        }
    }
}
