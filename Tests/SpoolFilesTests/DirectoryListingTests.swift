import Foundation
import Glibc
import Testing

@testable import SpoolFiles

@Suite("DirectoryListing")
struct DirectoryListingTests {
    @Test("lists every visible name (files, directories, symlinks) and skips dot-names")
    func visibleNames() async throws {
        try await withTempDirectory { root in
            try writeFile("\(root)/a.json", "a")
            try writeFile("\(root)/.a.json.1f2e.tmp", "temp")
            try FileManager.default.createDirectory(atPath: "\(root)/sub", withIntermediateDirectories: false)
            #expect(symlink("\(root)/a.json", "\(root)/link") == 0)
            #expect(try DirectoryListing.visibleNames(in: root).sorted() == ["a.json", "link", "sub"])
        }
    }

    @Test("long names and many entries come back whole")
    func manyNames() async throws {
        try await withTempDirectory { root in
            let long = String(repeating: "n", count: 250)
            var expected = [long]
            try writeFile("\(root)/\(long)", "")
            for i in 0..<2000 {
                expected.append("job-\(i).json")
                try writeFile("\(root)/job-\(i).json", "")
            }
            #expect(try DirectoryListing.visibleNames(in: root).sorted() == expected.sorted())
        }
    }

    @Test("an empty directory lists nothing; a missing one throws")
    func emptyAndMissing() async throws {
        try await withTempDirectory { root in
            let names = try DirectoryListing.visibleNames(in: root)
            #expect(names.isEmpty)
            let error = #expect(throws: FileError.self) { try DirectoryListing.visibleNames(in: "\(root)/none") }
            #expect(error?.errno == ENOENT)
        }
    }

    @Test("syncFileSystem flushes an existing directory's filesystem")
    func syncFileSystem() async throws {
        try await withTempDirectory { root in
            try Posix.syncFileSystem(of: root)
        }
    }
}
