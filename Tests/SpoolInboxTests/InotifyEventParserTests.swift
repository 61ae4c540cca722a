import Glibc
import Testing

@testable import SpoolInbox

/// Builds the bytes the kernel would return for one event: 16-byte header, then the NUL-padded name.
private func record(wd: Int32, mask: UInt32, cookie: UInt32 = 0, name: String = "", padTo length: Int? = nil) -> [UInt8]
{
    var nameBytes = Array(name.utf8)
    if !name.isEmpty || length != nil { nameBytes.append(0) }
    if let length { nameBytes += [UInt8](repeating: 0, count: max(0, length - nameBytes.count)) }
    var bytes: [UInt8] = []
    withUnsafeBytes(of: wd.littleEndian) { bytes += $0 }
    withUnsafeBytes(of: mask.littleEndian) { bytes += $0 }
    withUnsafeBytes(of: cookie.littleEndian) { bytes += $0 }
    withUnsafeBytes(of: UInt32(nameBytes.count).littleEndian) { bytes += $0 }
    return bytes + nameBytes
}

@Suite("InotifyEventParser")
struct InotifyEventParserTests {
    @Test("one event with a padded name")
    func oneEvent() {
        let bytes = record(wd: 1, mask: UInt32(IN_MOVED_TO), cookie: 42, name: "a.json", padTo: 16)
        #expect(bytes.count == 32)
        #expect(InotifyEventParser.parse(bytes) == [InotifyEvent(wd: 1, mask: 0x80, cookie: 42, name: "a.json")])
    }

    @Test("several events in one buffer, each with its own padding")
    func severalEvents() {
        let bytes =
            record(wd: 1, mask: UInt32(IN_CLOSE_WRITE), name: "one.json", padTo: 16)
            + record(wd: 1, mask: UInt32(IN_MOVED_TO), cookie: 7, name: "a-much-longer-name.json", padTo: 32)
            + record(wd: 2, mask: UInt32(IN_DELETE_SELF))
        #expect(
            InotifyEventParser.parse(bytes) == [
                InotifyEvent(wd: 1, mask: 0x8, name: "one.json"),
                InotifyEvent(wd: 1, mask: 0x80, cookie: 7, name: "a-much-longer-name.json"),
                InotifyEvent(wd: 2, mask: 0x400, name: ""),
            ])
    }

    @Test("a zero-length name is an event about the directory itself")
    func zeroLengthName() {
        let bytes = record(wd: 3, mask: UInt32(IN_IGNORED))
        #expect(bytes.count == 16)
        #expect(InotifyEventParser.parse(bytes) == [InotifyEvent(wd: 3, mask: UInt32(IN_IGNORED), name: "")])
    }

    @Test("a truncated trailing record is ignored", arguments: [1, 8, 15, 16, 20, 31])
    func truncated(keep: Int) {
        let first = record(wd: 1, mask: 0x8, name: "ok.json", padTo: 16)
        let second = record(wd: 1, mask: 0x80, name: "cut.json", padTo: 16)
        let bytes = first + second.prefix(keep)
        #expect(InotifyEventParser.parse(bytes) == [InotifyEvent(wd: 1, mask: 0x8, name: "ok.json")])
    }

    @Test("the overflow event: wd -1, IN_Q_OVERFLOW, no name")
    func overflow() throws {
        let events = InotifyEventParser.parse(record(wd: -1, mask: UInt32(IN_Q_OVERFLOW)))
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.wd == -1)
        #expect(event.has(IN_Q_OVERFLOW))
        #expect(event.name.isEmpty)
    }

    @Test("a buffer that does not start 4-byte aligned parses the same")
    func unaligned() {
        let bytes = [0xFF] + record(wd: 5, mask: 0x8, name: "x.json", padTo: 16)
        let events = bytes.withUnsafeBytes {
            InotifyEventParser.parse(UnsafeRawBufferPointer(rebasing: $0.dropFirst()))
        }
        #expect(events == [InotifyEvent(wd: 5, mask: 0x8, name: "x.json")])
    }

    @Test("an empty buffer gives no events")
    func empty() {
        #expect(InotifyEventParser.parse([UInt8]()).isEmpty)
    }
}
