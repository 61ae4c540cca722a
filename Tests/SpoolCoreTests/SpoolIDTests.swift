import Foundation
import Testing

@testable import SpoolCore

@Suite("SpoolID: lowercase canonical UUIDv7")
struct SpoolIDTests {
    @Test("canonical form, version 7, RFC 4122 variant, accepted by isValid")
    func form() throws {
        for _ in 0..<1000 {
            let id = SpoolID.make()
            #expect(SpoolID.isValid(id), "\(id)")
            let chars = Array(id)
            #expect(chars.count == 36)
            #expect([8, 13, 18, 23].allSatisfy { chars[$0] == "-" })
            #expect(chars[14] == "7")
            #expect("89ab".contains(chars[19]))
            #expect(id == id.lowercased())
        }
    }

    @Test("the first 48 bits are the millisecond timestamp, so IDs sort by time")
    func timeOrdered() throws {
        let earlier = SpoolID.make(now: Date(timeIntervalSince1970: 1_700_000_000.123))
        let later = SpoolID.make(now: Date(timeIntervalSince1970: 1_700_000_000.124))
        #expect(earlier < later)
        let hex = earlier.replacingOccurrences(of: "-", with: "").prefix(12)
        #expect(UInt64(hex, radix: 16) == 1_700_000_000_123)
    }

    @Test("no collisions among 100,000 IDs made in the same millisecond")
    func unique() {
        let now = Date()
        var seen = Set<String>()
        for _ in 0..<100_000 { seen.insert(SpoolID.make(now: now)) }
        #expect(seen.count == 100_000)
    }
}
