import Foundation
import Glibc
import Testing

@testable import SpoolFiles

@Suite("AtomicFile")
struct AtomicFileTests {
    @Test("write creates, then replaces the content, and leaves no temp file")
    func writeReplaces() async throws {
        try await withTempDirectory { root in
            let path = "\(root)/status.json"
            try AtomicFile.write(Data("first".utf8), to: path)
            #expect(readFile(path) == "first")
            try AtomicFile.write(Data("second, longer".utf8), to: path)
            #expect(readFile(path) == "second, longer")
            try AtomicFile.write(Data(), to: path)
            #expect(readFile(path) == "")
            #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["status.json"])
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o644 & ~currentUmask())
        }
    }

    @Test("write replaces a symlink at the path instead of writing through it")
    func writeDoesNotFollowSymlink() async throws {
        try await withTempDirectory { root in
            try writeFile("\(root)/target", "keep")
            #expect(symlink("\(root)/target", "\(root)/link.json") == 0)
            try AtomicFile.write(Data("new".utf8), to: "\(root)/link.json")
            #expect(readFile("\(root)/target") == "keep")
            #expect(readFile("\(root)/link.json") == "new")
        }
    }

    @Test("write into a missing directory throws and creates nothing")
    func writeMissingDirectory() async throws {
        try await withTempDirectory { root in
            #expect(throws: FileError.self) { try AtomicFile.write(Data("x".utf8), to: "\(root)/nope/a.json") }
            #expect(!exists("\(root)/nope"))
        }
    }

    @Test("move renames within a filesystem, replacing the destination")
    func moveSameFilesystem() async throws {
        try await withTempDirectory { root in
            try writeFile("\(root)/a", "payload")
            try writeFile("\(root)/b", "old")
            try AtomicFile.move(from: "\(root)/a", to: "\(root)/b")
            #expect(!exists("\(root)/a"))
            #expect(readFile("\(root)/b") == "payload")
            #expect(throws: FileError.self) { try AtomicFile.move(from: "\(root)/a", to: "\(root)/c") }
        }
    }

    @Test("the cross-device path copies through a temp file, then unlinks the source")
    func moveAcrossDevices() async throws {
        try await withTempDirectory { root in
            let payload = String(repeating: "0123456789", count: 100_000)
            try writeFile("\(root)/big", payload)
            // /dev/shm is tmpfs while /tmp is usually not; when they share a device, test the copy half directly.
            let other = "/dev/shm/spool-inbox-tests-\(UUID().uuidString)"
            var shm = stat()
            var tmp = stat()
            if stat("/dev/shm", &shm) == 0, stat(root, &tmp) == 0, shm.st_dev != tmp.st_dev,
                mkdir(other, 0o755) == 0
            {
                defer { try? FileManager.default.removeItem(atPath: other) }
                try AtomicFile.move(from: "\(root)/big", to: "\(other)/big")
                #expect(!exists("\(root)/big"))
                #expect(readFile("\(other)/big") == payload)
                #expect(try FileManager.default.contentsOfDirectory(atPath: other) == ["big"])
            } else {
                try AtomicFile.copyAcrossDevices(from: "\(root)/big", to: "\(root)/copy")
                #expect(readFile("\(root)/copy") == payload)
            }
        }
    }

    @Test("the cross-device copy refuses a symlink source")
    func copyRefusesSymlink() async throws {
        try await withTempDirectory { root in
            try writeFile("\(root)/target", "x")
            #expect(symlink("\(root)/target", "\(root)/link") == 0)
            #expect(throws: FileError.self) {
                try AtomicFile.copyAcrossDevices(from: "\(root)/link", to: "\(root)/out")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: root).sorted() == ["link", "target"])
        }
    }
}

private func currentUmask() -> mode_t {
    let mask = umask(0)
    umask(mask)
    return mask
}
