import Foundation
import Glibc
import Testing

@testable import SpoolFiles

@Suite("AtomicFile.sync and move errors")
struct AtomicFileSyncTests {
    @Test("sync makes non-durable writes durable, each directory once; a missing file throws FileError(.open)")
    func sync() async throws {
        try await withTempDirectory { root in
            try FileManager.default.createDirectory(atPath: "\(root)/b", withIntermediateDirectories: false)
            let paths = ["\(root)/a.json", "\(root)/b/c.json", "\(root)/b/d.json"]
            for path in paths { try AtomicFile.write(Data(path.utf8), to: path, durable: false) }
            try AtomicFile.sync(paths)
            for path in paths { #expect(readFile(path) == path) }
            let error = #expect(throws: FileError.self) { try AtomicFile.sync(["\(root)/none.json"]) }
            #expect(error == FileError(.open, "cannot open file to fsync it", path: "\(root)/none.json", errno: ENOENT))
        }
    }

    @Test("a failed move says what it moved, where, and why (the text a failed publication shows)")
    func moveErrorText() async throws {
        try await withTempDirectory { root in
            let error = #expect(throws: FileError.self) {
                try AtomicFile.move(from: "\(root)/gone.mp4", to: "\(root)/job-0.part")
            }
            #expect(error?.operation == .rename)
            #expect(
                error?.description == "cannot move \(root)/gone.mp4: \(root)/job-0.part (No such file or directory)")
        }
    }
}
