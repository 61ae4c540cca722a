import Foundation
import Glibc
import Testing

@testable import SpoolFiles

@Suite("AtomicFile.writeNew")
struct AtomicFileWriteNewTests {
    @Test("a new name gets the whole content in one link, mode 0644 under the umask, nothing else in the directory")
    func createsNew() async throws {
        try await withTempDirectory { root in
            let path = "\(root)/job.json"
            try AtomicFile.writeNew(Data("{\"id\":1}\n".utf8), to: path)
            #expect(readFile(path) == "{\"id\":1}\n")
            #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["job.json"])
            var info = stat()
            #expect(lstat(path, &info) == 0)
            #expect(info.st_mode & S_IFMT == S_IFREG)
            #expect(info.st_nlink == 1)
            #expect(info.st_mode & 0o777 == 0o644 & ~processUmask())
        }
    }

    @Test("an existing name is replaced (falls back to temp + rename), never appended to or left half")
    func replacesExisting() async throws {
        try await withTempDirectory { root in
            let path = "\(root)/job.json"
            try writeFile(path, "an older, longer status document")
            try AtomicFile.writeNew(Data("new".utf8), to: path)
            #expect(readFile(path) == "new")
            #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["job.json"])
        }
    }

    @Test("a symlink at the name is replaced, its target untouched")
    func symlinkReplaced() async throws {
        try await withTempDirectory { root in
            try writeFile("\(root)/target", "keep")
            #expect(symlink("\(root)/target", "\(root)/job.json") == 0)
            try AtomicFile.writeNew(Data("new".utf8), to: "\(root)/job.json")
            #expect(readFile("\(root)/target") == "keep")
            #expect(readFile("\(root)/job.json") == "new")
        }
    }

    @Test("a missing directory is an error, not a crash")
    func missingDirectory() async throws {
        try await withTempDirectory { root in
            let error = #expect(throws: FileError.self) {
                try AtomicFile.writeNew(Data("x".utf8), to: "\(root)/none/job.json")
            }
            #expect(error?.errno == ENOENT)
        }
    }
}

private func processUmask() -> mode_t {
    let mask = umask(0)
    umask(mask)
    return mask
}
