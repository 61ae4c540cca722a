// Things in the inbox that are not plain batch files (folder-contract §2): FIFOs, sockets, directories and
// symlinks named *.json are left alone and never read; a 2 GiB sparse file is rejected unread; a file
// that vanishes right after it appears is handled. None of it blocks or crashes the watcher.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The special files of one round, created in an inbox; the socket stays bound until `close()`.
private struct Oddities {
    let tag: String
    let inbox: URL
    let socketFD: Int32
    var fifo: URL { inbox.appendingPathComponent("fifo-\(tag).json") }
    var socket: URL { inbox.appendingPathComponent("sock-\(tag).json") }
    var directory: URL { inbox.appendingPathComponent("dir-\(tag).json") }
    var passwdLink: URL { inbox.appendingPathComponent("passwd-\(tag).json") }
    var batchLink: URL { inbox.appendingPathComponent("link-\(tag).json") }
    var stems: [String] { ["fifo", "sock", "dir", "passwd", "link"].map { "\($0)-\(tag)" } }

    /// `outsideBatch`: a valid batch outside the root that a symlink points at (must not be taken either).
    static func make(in inbox: URL, tag: String, outsideBatch: URL) throws -> Oddities {
        let fm = FileManager.default
        try fm.createDirectory(at: inbox, withIntermediateDirectories: true)
        let fifo = inbox.appendingPathComponent("fifo-\(tag).json")
        guard mkfifo(fifo.path, 0o644) == 0 else { throw E2EError("mkfifo: errno \(errno)") }

        let socketPath = inbox.appendingPathComponent("sock-\(tag).json").path
        #if canImport(Glibc)
            let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw E2EError("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw E2EError("socket path too long: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in pathBytes.enumerated() { raw[i] = byte }
            raw[pathBytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            close(fd)
            throw E2EError("bind/listen \(socketPath): errno \(errno)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)

        // A directory with a valid batch inside: nothing is taken from subdirectories.
        let directory = inbox.appendingPathComponent("dir-\(tag).json")
        try fm.createDirectory(at: directory, withIntermediateDirectories: false)
        try fm.copyItem(at: outsideBatch, to: directory.appendingPathComponent("inner.json"))

        try fm.createSymbolicLink(
            atPath: inbox.appendingPathComponent("passwd-\(tag).json").path, withDestinationPath: "/etc/passwd")
        try fm.createSymbolicLink(
            atPath: inbox.appendingPathComponent("link-\(tag).json").path, withDestinationPath: outsideBatch.path)
        return Oddities(tag: tag, inbox: inbox, socketFD: fd)
    }

    /// Problems seen right now: a reader on the FIFO, a connection to the socket, a changed thing.
    func problems() -> [String] {
        var found: [String] = []
        // With no reader, a non-blocking open for writing fails with ENXIO; success means spool opened it.
        let writer = open(fifo.path, O_WRONLY | O_NONBLOCK)
        if writer >= 0 {
            close(writer)
            found.append("\(fifo.lastPathComponent) has a reader (spool opened the FIFO)")
        } else if errno != ENXIO {
            found.append("\(fifo.lastPathComponent): open for writing failed with errno \(errno)")
        }
        let peer = accept(socketFD, nil, nil)
        if peer >= 0 {
            close(peer)
            found.append("\(socket.lastPathComponent) got a connection")
        }
        var info = stat()
        if lstat(fifo.path, &info) != 0 || (info.st_mode & S_IFMT) != S_IFIFO { found.append("FIFO moved or replaced") }
        if lstat(socket.path, &info) != 0 || (info.st_mode & S_IFMT) != S_IFSOCK { found.append("socket moved") }
        if lstat(directory.path, &info) != 0 || (info.st_mode & S_IFMT) != S_IFDIR { found.append("directory moved") }
        if !FileManager.default.fileExists(atPath: directory.appendingPathComponent("inner.json").path) {
            found.append("the batch inside \(directory.lastPathComponent) was taken")
        }
        for link in [passwdLink, batchLink] {
            if lstat(link.path, &info) != 0 || (info.st_mode & S_IFMT) != S_IFLNK {
                found.append("\(link.lastPathComponent) moved or replaced")
            }
        }
        return found
    }

    func release() { _ = Glibc.close(socketFD) }
}

private struct FileIdentity: Equatable {
    let data: Data
    let size: Int
    let mtime: Int
    let ctime: Int
    let mode: UInt32
    init(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw E2EError("stat \(path): errno \(errno)") }
        data = try Data(contentsOf: URL(fileURLWithPath: path))
        size = Int(info.st_size)
        mtime = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        ctime = Int(info.st_ctim.tv_sec) * 1_000_000_000 + Int(info.st_ctim.tv_nsec)
        mode = info.st_mode
    }
}

@Suite("End to end: inbox oddities", .serialized, .timeLimit(.minutes(4)))
struct InboxOdditiesEndToEndTests {
    static let twoGiB: off_t = 2 * 1024 * 1024 * 1024

    @Test(
        "FIFO, socket, directory and symlinks left alone; 2 GiB sparse file rejected unread; vanishing files; the watcher keeps working"
    )
    func oddities() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("oddities")
        let passwdBefore = try FileIdentity("/etc/passwd")
        let passwdText = String(decoding: passwdBefore.data, as: UTF8.self)
        let passwdLines = passwdText.split(separator: "\n").map(String.init).filter { $0.count >= 8 }
        try #require(!passwdLines.isEmpty)

        // A valid batch outside the root, reachable only through symlinks and a subdirectory.
        let outsideBatch = spool.base.appendingPathComponent("outside.json")
        let outsideText = batchJSON(folder: "e2e/outside", jobs: [(lab.url("status/404/outside.mp4"), nil)])
        try Data(outsideText.utf8).write(to: outsideBatch)

        // Round 1 is there before start-up (the start-up scan), round 2 arrives while running (events).
        let early = try Oddities.make(in: spool.inbox, tag: "early", outsideBatch: outsideBatch)
        defer { early.release() }
        try spool.start()
        try spool.drop("ready.json", batchJSON(folder: "e2e/odd", jobs: [(lab.url("status/404/ready.mp4"), nil)]))
        let ready = try await spool.acceptedReceipt("ready", timeout: 15)
        let late = try Oddities.make(in: spool.inbox, tag: "late", outsideBatch: outsideBatch)
        defer { late.release() }

        // A 2 GiB sparse file (no real disk use), renamed in.
        let bigStaging = spool.inbox.appendingPathComponent(".big.json.part")
        let fd = open(bigStaging.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        try #require(fd >= 0, "open: errno \(errno)")
        let truncated = ftruncate(fd, Self.twoGiB)
        close(fd)
        try #require(truncated == 0, "ftruncate: errno \(errno)")
        try #require(rename(bigStaging.path, spool.inbox.appendingPathComponent("big.json").path) == 0)

        // Files deleted right after they appear: renamed in, or written in place, then unlinked at once.
        // If spool claimed one first, unlink fails with ENOENT and it must get a receipt; otherwise none.
        // A race alone seldom lets spool win, so every fourth file (renamed in) is unlinked only after
        // spool has taken it from the inbox: both outcomes are then surely exercised.
        let doomed = batchJSON(jobs: [("ftp://example.com/vanishing.mp4", nil)])
        var claimedFirst: [String] = []
        var deleted: [String] = []
        var waitedForClaim: [String] = []
        for i in 0..<30 {
            let stem = String(format: "vanish-%02d", i)
            let path = spool.inbox.appendingPathComponent("\(stem).json").path
            if i % 2 == 0 {
                let staging = spool.inbox.appendingPathComponent(".\(stem).part")
                try Data(doomed.utf8).write(to: staging)
                try #require(rename(staging.path, path) == 0)
                if i % 4 == 0 {
                    waitedForClaim.append(stem)
                    _ = try await waitFor("spool to claim \(stem).json", timeout: 15, interval: 0.02, on: spool) {
                        access(path, F_OK) != 0 ? true : nil
                    }
                }
            } else {
                let w = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
                try #require(w >= 0)
                _ = doomed.withCString { write(w, $0, strlen($0)) }
                close(w)
            }
            if unlink(path) == 0 {
                deleted.append(stem)
            } else {
                try #require(errno == ENOENT, "unlink: errno \(errno)")
                claimedFirst.append(stem)
            }
        }
        #expect(deleted.count + claimedFirst.count == 30, "deleted \(deleted), claimed first \(claimedFirst)")
        #expect(Set(waitedForClaim).isSubset(of: Set(claimedFirst)) && waitedForClaim.count == 8, "\(claimedFirst)")

        // The sparse file: rejected unread, too large, field `$`.
        let bigReceipt = try await spool.receipt("big", timeout: 20)
        let bigErrors = try #require(bigReceipt["errors"] as? [[String: Any]], "\(bigReceipt)")
        #expect(bigReceipt["batch_id"] == nil)
        #expect(bigErrors.map { $0["field"] as? String } == ["$"], "\(bigErrors)")
        let bigMessage = bigErrors.first?["message"] as? String ?? ""
        #expect(bigMessage.contains("2147483648") && bigMessage.contains("limit"), "message: \(bigMessage)")
        let rejectedBig = spool.dir("rejected").appendingPathComponent("big.json")
        let bigInfo = try await waitFor("rejected/big.json", timeout: 10, on: spool) { () -> stat? in
            var info = stat()
            return lstat(rejectedBig.path, &info) == 0 ? info : nil
        }
        #expect(Int64(bigInfo.st_size) == Int64(Self.twoGiB), "kept with its size")
        #expect(
            Int64(bigInfo.st_blocks) * 512 < 1024 * 1024, "the sparse file was filled in: \(bigInfo.st_blocks) blocks")

        // Several rescans (0.5 s apart) pass with the oddities present: each check must hold throughout.
        var seen: [String] = []
        let window = Date().addingTimeInterval(3)
        while Date() < window {
            try spool.requireRunning()
            seen += early.problems() + late.problems()
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect(seen.isEmpty, "\(Set(seen).sorted())")

        // The watcher still works: a valid batch is accepted within a few seconds.
        try spool.drop("after.json", batchJSON(folder: "e2e/odd", jobs: [(lab.url("status/404/after.mp4"), nil)]))
        let after = try await spool.acceptedReceipt("after", timeout: 5)

        // Vanished files: a receipt (a rejection) exactly for those spool claimed before the unlink.
        for stem in claimedFirst {
            let receipt = try await spool.receipt(stem, timeout: 10)
            #expect(receipt["batch_id"] == nil && receipt["errors"] != nil, "\(stem): \(receipt)")
        }
        let receipts = Set(listDir(spool.dir("receipts")))
        let expected = Set((["ready", "big", "after"] + claimedFirst).map { "\($0).json" })
        #expect(receipts == expected, "receipts: \(receipts.sorted())")
        for stem in early.stems + late.stems + deleted {
            #expect(!receipts.contains("\(stem).json"), "\(stem) got a receipt")
        }
        #expect(Set(listDir(spool.dir("rejected"))) == Set((["big"] + claimedFirst).map { "\($0).json" }))
        // Only the two batches dropped as plain files exist; nothing came through a link or the subdirectory.
        #expect(Set(listDir(spool.dir("batches"))) == Set([ready.batchID, after.batchID].map { "\($0).json" }))
        #expect(listDir(spool.dir("jobs")).count == 2)
        #expect((early.problems() + late.problems()).isEmpty)

        // /etc/passwd untouched, and nothing of it in anything spool wrote.
        #expect(try FileIdentity("/etc/passwd") == passwdBefore, "/etc/passwd changed")
        let written = ["receipts", "rejected", "archive", "batches", "jobs", "out"].flatMap { dir in
            listFilesRecursively(spool.dir(dir)).map { spool.dir(dir).appendingPathComponent($0) }
        }
        for file in written where file.lastPathComponent != "big.json" {
            let text = String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self)
            #expect(!passwdLines.contains { text.contains($0) }, "\(file.path) holds a line of /etc/passwd")
        }
        #expect(try Data(contentsOf: outsideBatch) == Data(outsideText.utf8), "the linked batch was changed")

        #expect(spool.isRunning)
        _ = try await spool.finishedBatch(after.batchID, timeout: 60)
        try await spool.stop()
    }
}
