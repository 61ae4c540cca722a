import Foundation

/// Turns a user's or a video's name into a safe file or folder name (folder-contract §3 "Filename sanitising").
package enum FilenameSanitizer {
    /// The longest result, in bytes of UTF-8; leaves room for ` (NN)`, a language tag and an extension under 255.
    package static let maxBytes = 200

    /// Characters that are illegal or meaningful in paths on at least one common filesystem.
    private static let reserved: Set<Unicode.Scalar> = ["/", "\\", ":", "*", "?", "\"", "<", ">", "|"]

    /// Device names Windows (and SMB shares) cannot open as files, with or without an extension.
    private static let windowsReserved: Set<String> = {
        var names: Set<String> = ["CON", "PRN", "AUX", "NUL"]
        for digit in 0...9 {
            names.insert("COM\(digit)")
            names.insert("LPT\(digit)")
        }
        return names
    }()

    /// folder-contract §3 "Filename sanitising"; returns "" when nothing is left (the caller then uses the job ID).
    package static func sanitize(_ name: String) -> String {
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        // NFC leaves ASCII as it is; skipping Foundation's normalisation (and the property tables below) for
        // it is most of the cost of a 100-job drop's names.
        let composed = name.utf8.allSatisfy { $0 < 0x80 } ? name : name.precomposedStringWithCanonicalMapping
        for scalar in composed.unicodeScalars {
            // Tabs and newlines are white space first: "a\tb" becomes "a b", not "ab".
            if isWhitespace(scalar) {
                pendingSpace = true
                continue
            }
            if isRemoved(scalar) { continue }
            if pendingSpace && !scalars.isEmpty { scalars.append(" ") }
            pendingSpace = false
            scalars.append(scalar)
        }
        var result = trimmed(String(scalars))
        result = truncated(result, toBytes: maxBytes)
        result = trimmed(result)
        return avoidingWindowsReservedName(result)
    }

    /// Control characters, path separators and the bidi overrides that make a name display as another.
    /// Unicode's White_Space, which in ASCII is exactly tab to carriage return and space.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return (0x09...0x0D).contains(scalar.value) || scalar.value == 0x20 }
        return scalar.properties.isWhitespace
    }

    static func isRemoved(_ scalar: Unicode.Scalar) -> Bool {
        if reserved.contains(scalar) { return true }
        // The control category (Cc), which in ASCII is exactly the C0 controls and DEL.
        if scalar.isASCII ? scalar.value < 0x20 || scalar.value == 0x7F : scalar.properties.generalCategory == .control
        {
            return true
        }
        switch scalar.value {
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// Trims spaces and dots at both ends (a trailing dot vanishes on Windows; a leading one hides the file).
    private static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        let isTrimmed: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "." }
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }),
            let last = scalars.lastIndex(where: { !isTrimmed($0) })
        else { return "" }
        return String(scalars[first...last])
    }

    /// Cuts to at most `limit` bytes of UTF-8 without splitting a character (grapheme cluster).
    package static func truncated(_ text: String, toBytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var bytes = 0
        var end = text.startIndex
        for index in text.indices {
            let next = text.index(after: index)
            let size = text.utf8.distance(from: index, to: next)
            if bytes + size > limit { break }
            bytes += size
            end = next
        }
        return String(text[..<end])
    }

    /// `CON` becomes `CON_` and `con.backup` becomes `con_.backup`; other names are unchanged.
    private static func avoidingWindowsReservedName(_ name: String) -> String {
        let stem = name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let bare = stem.trimmingCharacters(in: .whitespaces)
        guard windowsReserved.contains(bare.uppercased()) else { return name }
        return bare + "_" + name.dropFirst(bare.count)
    }
}
