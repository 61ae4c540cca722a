import Testing

@testable import SpoolFiles

@Suite("FilesystemKind")
struct FilesystemKindTests {
    @Test(
        "network magic numbers",
        arguments: [0x6969, 0x517B, 0xFF53_4D42, 0xFE53_4D42, 0x6573_5546, 0x00C3_6400, 0x0102_1997] as [UInt32])
    func network(magic: UInt32) {
        #expect(FilesystemKind.isNetwork(filesystemType: magic))
    }

    @Test("local magic numbers", arguments: [0xEF53, 0x0102_1994, 0x5846_5342, 0x9123_683E, 0x794C_7630] as [UInt32])
    func local(magic: UInt32) {
        #expect(!FilesystemKind.isNetwork(filesystemType: magic))
    }

    @Test("statfs reads a real f_type: /dev/shm is tmpfs, and /tmp here is local")
    func realPaths() throws {
        #expect(FilesystemKind.filesystemType(of: "/dev/shm") == 0x0102_1994)
        #expect(FilesystemKind.filesystemType(of: "/definitely/missing") == nil)
        #expect(!FilesystemKind.isNetwork(path: "/tmp"))
    }
}
