import Foundation
import Glibc
import Testing

@testable import SpoolFiles

/// The read, write and fsync loops over scripted system calls: EINTR, short transfers and failures.
@Suite("Posix loops")
struct PosixLoopTests {
    /// A scripted `read(2)`: serves `source` at most `step` bytes per call, failing with EINTR first
    /// `interruptions` times and then before every other call.
    final class ScriptedRead {
        let source: [UInt8]
        let step: Int
        var interruptions: Int
        var offset = 0
        var calls = 0

        init(_ source: [UInt8], step: Int, interruptions: Int) {
            self.source = source
            self.step = step
            self.interruptions = interruptions
        }

        func call(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
            calls += 1
            if interruptions > 0 || calls % 2 == 0 {
                interruptions = max(0, interruptions - 1)
                errno = EINTR
                return -1
            }
            let count = min(step, buffer.count, source.count - offset)
            source.withUnsafeBytes {
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count]))
            }
            offset += count
            return count
        }
    }

    private func readAll(_ script: ScriptedRead, chunkSize: Int = 16, limit: Int = .max) throws -> [UInt8] {
        var out: [UInt8] = []
        try Posix.readChunks(
            chunkSize: chunkSize, limit: limit, path: "/p", message: "cannot read file", read: script.call
        ) { out.append(contentsOf: $0) }
        return out
    }

    @Test("reads retry EINTR and continue after short reads until end of file")
    func readsThroughInterruptions() throws {
        let source = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let script = ScriptedRead(source, step: 13, interruptions: 3)
        #expect(try readAll(script) == source)
        #expect(script.calls > 1000 / 13 * 2)
    }

    @Test("a read stops one byte past the limit, so 'over the limit' shows without reading the rest")
    func readLimit() throws {
        let source = [UInt8](repeating: 1, count: 100)
        #expect(try readAll(ScriptedRead(source, step: 7, interruptions: 1), limit: 40).count == 41)
        #expect(try readAll(ScriptedRead(source, step: 64, interruptions: 0), limit: 100).count == 100)
        #expect(try readAll(ScriptedRead(source, step: 64, interruptions: 0), limit: 0).count == 1)
    }

    @Test("a failed read throws FileError(.read) with the errno, not EINTR")
    func readFailure() {
        let error = #expect(throws: FileError.self) {
            try Posix.readChunks(
                chunkSize: 8, limit: .max, path: "/p", message: "cannot read file to move it",
                read: { _ in
                    errno = EIO
                    return -1
                }, { _ in })
        }
        #expect(error == FileError(.read, "cannot read file to move it", path: "/p", errno: EIO))
    }

    @Test("writes retry EINTR and continue after short writes")
    func writesThroughInterruptions() throws {
        let source = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 3) }
        var written: [UInt8] = []
        var calls = 0
        try source.withUnsafeBytes { bytes in
            try Posix.writeAll(bytes, path: "/p") { chunk in
                calls += 1
                if calls % 3 == 1 {
                    errno = EINTR
                    return -1
                }
                let count = min(chunk.count, 17)
                written.append(contentsOf: chunk[0..<count])
                return count
            }
        }
        #expect(written == source)
    }

    @Test("a failed write throws FileError(.write); a write that makes no progress throws instead of spinning")
    func writeFailure() {
        let bytes = [UInt8](repeating: 0, count: 10)
        let failed = #expect(throws: FileError.self) {
            try bytes.withUnsafeBytes { buffer in
                try Posix.writeAll(buffer, path: "/p") { _ in
                    errno = ENOSPC
                    return -1
                }
            }
        }
        #expect(failed == FileError(.write, "cannot write file", path: "/p", errno: ENOSPC))
        let stuck = #expect(throws: FileError.self) {
            try bytes.withUnsafeBytes { buffer in try Posix.writeAll(buffer, path: "/p") { _ in 0 } }
        }
        #expect(stuck?.operation == .write)
    }

    @Test("fsync retries EINTR, treats EINVAL/EROFS as nothing to sync, and throws other errors")
    func fsyncPath() throws {
        var calls = 0
        try Posix.sync(path: "/p") {
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 0
        }
        #expect(calls == 3)
        for code in [EINVAL, EROFS] {
            try Posix.sync(path: "/p") {
                errno = code
                return -1
            }
        }
        let error = #expect(throws: FileError.self) {
            try Posix.sync(path: "/p") {
                errno = EIO
                return -1
            }
        }
        #expect(error == FileError(.sync, "cannot fsync", path: "/p", errno: EIO))
    }

    @Test("contents(of:ifSize:) reads a file only when it has exactly that size")
    func contentsIfSize() async throws {
        try await withTempDirectory { root in
            let path = "\(root)/a.json"
            try writeFile(path, "{\"a\":1}\n")
            #expect(Posix.contents(of: path, ifSize: 8) == Data("{\"a\":1}\n".utf8))
            #expect(Posix.contents(of: path, ifSize: 7) == nil)
            #expect(Posix.contents(of: "\(root)/none", ifSize: 8) == nil)
            try writeFile(path, "")
            #expect(Posix.contents(of: path, ifSize: 0) == Data())
        }
    }

    @Test("a real file reads whole through the fd loop, in chunks smaller than the file")
    func readsRealFile() async throws {
        try await withTempDirectory { root in
            let path = "\(root)/big"
            let data = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            try data.write(to: URL(fileURLWithPath: path))
            let fd = Posix.open(path, O_RDONLY | O_CLOEXEC)
            try #require(fd >= 0)
            defer { close(fd) }
            #expect(try Posix.read(fd, upTo: .max, path: path) == data)
        }
    }
}
