import Foundation
import Glibc
import Testing

@testable import SpoolFiles

@Suite("FileError")
struct FileErrorTests {
    @Test("the description is the message, the path and strerror, as operators saw it from InboxError")
    func description() {
        let error = FileError(.rename, "cannot move /w/a.mp4", path: "/s/j-0.part", errno: ENOENT)
        #expect(error.description == "cannot move /w/a.mp4: /s/j-0.part (No such file or directory)")
        #expect(
            FileError(.notRegular, "only regular files can be moved", path: "/x").description
                == "only regular files can be moved: /x")
    }

    @Test("system(_:_:path:) captures errno at the failed call")
    func capturesErrno() {
        let fd = open("/definitely/missing", O_RDONLY)
        let error = FileError.system(.open, "cannot open", path: "/definitely/missing")
        #expect(fd == -1)
        #expect(error.errno == ENOENT)
        #expect(error.operation == .open)
        #expect(error == FileError(.open, "cannot open", path: "/definitely/missing", errno: ENOENT))
    }

    @Test("failed calls throw FileError with the operation and the path")
    func thrownByCalls() async throws {
        try await withTempDirectory { root in
            let missing = "\(root)/none/a.json"
            let write = #expect(throws: FileError.self) { try AtomicFile.write(Data("x".utf8), to: missing) }
            #expect(write?.operation == .open)
            #expect(write?.errno == ENOENT)
            let sync = #expect(throws: FileError.self) { try Posix.fsyncDirectory("\(root)/none") }
            #expect(sync?.operation == .open)
            #expect(sync?.path == "\(root)/none")
            let list = #expect(throws: FileError.self) { try DirectoryListing.visibleNames(in: "\(root)/none") }
            #expect(list?.path == "\(root)/none")
            #expect(list?.errno == ENOENT)
            let flush = #expect(throws: FileError.self) { try Posix.syncFileSystem(of: "\(root)/none") }
            #expect(flush?.errno == ENOENT)
        }
    }
}
