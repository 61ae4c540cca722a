import Foundation

/// Compares a batch's `api_key` with the configured keys in constant time (folder-contract §9).
package enum APIKeyCheck {
    /// `true` when `candidate` equals one of `keys`.
    ///
    /// Every key is compared, and every byte of each comparison is looked at, so the time taken
    /// does not reveal how much of a key was right or which key matched. Empty keys never match.
    package static func matches(_ candidate: String, anyOf keys: [String]) -> Bool {
        let given = Array(candidate.utf8)
        var matched = false
        for key in keys {
            let expected = Array(key.utf8)
            // Walk the longer of the two so a length mismatch costs as much as a content mismatch.
            var difference = UInt8(given.count == expected.count ? 0 : 1)
            for index in 0..<max(given.count, expected.count) {
                let a = index < given.count ? given[index] : 0
                let b = index < expected.count ? expected[index] : 0
                difference |= a ^ b
            }
            let isEqual = difference == 0 && !expected.isEmpty
            matched = matched || isEqual
        }
        return matched
    }
}
