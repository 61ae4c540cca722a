import Foundation

/// A rule broken by one value; the message is a plain sentence saying what to do.
package struct RuleViolation: Error, Sendable, Equatable {
    package var message: String
}

extension BatchValidator {
    /// Why `url` is not acceptable as `jobs[].url` (folder-contract §3), or `nil` when it is. Does no DNS.
    package static func urlProblem(_ url: String, refuseLiteralPrivateAddresses: Bool = false) -> String? {
        if url.isEmpty { return "url must not be empty; give the http or https URL to download" }
        if length(url) > 2048 { return "url must be at most 2048 characters, not \(length(url))" }
        if url.unicodeScalars.contains(where: isWhitespaceOrControl) {
            return "url must not contain whitespace or control characters; percent-encode them (a space is %20)"
        }
        // A leading dash could be taken for an option by a tool; yt-dlp gets the URL after `--` anyway.
        if url.hasPrefix("-") { return "url must not start with '-'" }
        guard let components = URLComponents(string: url), let scheme = components.scheme else {
            return "url is not a valid URL; give a full URL such as https://example.com/video"
        }
        guard ["http", "https"].contains(scheme.lowercased()) else {
            return "only http and https URLs are accepted"
        }
        guard let host = components.host, !host.isEmpty else {
            return "url has no host; give a full URL such as https://example.com/video"
        }
        if refuseLiteralPrivateAddresses, let host = NetworkPolicy.host(ofURL: url),
            NetworkPolicy.ipv4Bytes(host) != nil || NetworkPolicy.ipv6Bytes(host) != nil,
            NetworkPolicy.isDisallowed(address: host)
        {
            return
                "url points at \(host), a loopback, private or link-local address, which is refused unless allow_private_network is set"
        }
        return nil
    }

    /// Why `name` is not acceptable as `jobs[].filename` before sanitising, or `nil` when it is.
    package static func filenameProblem(_ name: String) -> String? {
        if length(name) > 255 { return "filename must be at most 255 characters, not \(length(name))" }
        if name.contains("..") { return "filename must not contain '..'; give a plain name without a path" }
        if name.contains("/") || name.contains("\\") {
            return "filename must not contain / or \\; give a plain name (use folder for a path)"
        }
        if name.unicodeScalars.contains("\0") { return "filename must not contain NUL characters; remove them" }
        return nil
    }

    /// The sanitised `folder` (segments joined by `/`), or why it is not acceptable (folder-contract §3).
    package static func sanitizedFolder(_ folder: String) -> Result<String, RuleViolation> {
        func problem(_ message: String) -> Result<String, RuleViolation> { .failure(RuleViolation(message: message)) }
        if length(folder) > 200 { return problem("folder must be at most 200 characters, not \(length(folder))") }
        if folder.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return problem("folder must not be empty or only white space; remove it to write to the root of out/")
        }
        if folder.hasPrefix("/") || folder.hasPrefix("\\") {
            return problem("folder must not start with / or \\; give a relative path such as videos/2024")
        }
        if folder.unicodeScalars.contains("\0") {
            return problem("folder must not contain NUL characters; remove them")
        }
        if folder.contains("\\") { return problem("folder must not contain \\; separate folders with /") }
        let segments = folder.split(separator: "/", omittingEmptySubsequences: true)
        if segments.contains("..") { return problem("folder must not contain a .. segment; give a path inside out/") }
        var clean: [String] = []
        for segment in segments {
            let sanitized = FilenameSanitizer.sanitize(String(segment))
            if sanitized.isEmpty {
                return problem(
                    "folder segment \(quoted(String(segment))) has nothing left after sanitising; use letters or digits in it"
                )
            }
            clean.append(sanitized)
        }
        return .success(clean.joined(separator: "/"))
    }

    static func isWhitespaceOrControl(_ scalar: Unicode.Scalar) -> Bool {
        // ASCII (nearly every URL) without the property tables, which cost a 100-job drop 0.3 ms: the C0
        // controls, space and DEL are exactly the ASCII scalars the general rule below accepts.
        if scalar.isASCII { return scalar.value <= 0x20 || scalar.value == 0x7F }
        return isWhitespaceOrControlByProperties(scalar)
    }

    /// `isWhitespaceOrControl` by the Unicode properties alone (the rule for every scalar).
    static func isWhitespaceOrControlByProperties(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator: return true
        default: return scalar.properties.isWhitespace
        }
    }

    /// "a, b or c"
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + items[items.count - 1]
    }

    /// A user's value quoted for a message, shortened so a huge value cannot flood the receipt.
    static func quoted(_ text: String) -> String {
        let scalars = text.unicodeScalars
        let short = scalars.count > 40 ? String(String.UnicodeScalarView(scalars.prefix(40))) + "…" : text
        return "\"\(short)\""
    }

    /// A value's length for the length limits, in Unicode scalars: a grapheme count would let `e` followed by
    /// 100,000 combining marks pass as one character.
    package static func length(_ text: String) -> Int { text.unicodeScalars.count }
}
