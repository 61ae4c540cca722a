import Foundation

/// Lowercase canonical UUIDv7 identifiers (time-ordered), for batches and jobs.
package enum SpoolID {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// One ID. A 100-job batch makes 101 of them on the ingest path, so this avoids per-byte
    /// random draws and string formatting: one 64-bit and one 16-bit draw, then a table lookup.
    package static func make(now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let ms = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let high = generator.next() as UInt64
        let low = generator.next() as UInt16
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: ms >> (8 * (5 - i))) }
        for i in 0..<8 { bytes[6 + i] = UInt8(truncatingIfNeeded: high >> (8 * i)) }
        bytes[14] = UInt8(truncatingIfNeeded: low)
        bytes[15] = UInt8(truncatingIfNeeded: low >> 8)
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { text.append(UInt8(ascii: "-")) }
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// True for a lowercase canonical UUID; control files and CLI lookups accept nothing else.
    package static func isValid(_ text: String) -> Bool {
        guard text.count == 36, UUID(uuidString: text) != nil else { return false }
        return text == text.lowercased()
    }
}
