import Foundation
import Glibc
import Testing

@testable import SpoolInbox

@Suite("InboxClaimer")
struct InboxClaimerTests {
    @Test("a claim moves the file into the claim directory (created if missing) and reads it")
    func claimMovesAndReads() async throws {
        try await withTempDirectory { root in
            let inbox = "\(root)/inbox"
            let claims = "\(root)/state/claimed"
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: false)
            let text = "\u{FEFF}" + #"{"urls": ["https://example.com/a"]}"#
            try writeFile("\(inbox)/b--x.json", text)
            let outcome = try InboxClaimer.claim(
                name: "b--x.json", inbox: inbox, claimDirectory: claims, maxBytes: 1024)
            guard case .claimed(let file) = outcome else {
                Issue.record("expected .claimed, got \(outcome)")
                return
            }
            #expect(file.originalName == "b--x.json")
            #expect(file.data == Data(text.utf8))
            #expect(file.size == text.utf8.count)
            #expect(!exists("\(inbox)/b--x.json"))
            #expect(readFile(file.path) == text)
            let claimedName = (file.path as NSString).lastPathComponent
            #expect(file.path == "\(claims)/\(claimedName)")
            #expect(InboxClaimer.originalName(ofClaimedFileName: claimedName) == "b--x.json")
            // The token is "<unix ms>-<hex>" and holds no "--".
            let token = String(claimedName.prefix(upTo: try #require(claimedName.range(of: "--")).lowerBound))
            let parts = token.split(separator: "-")
            #expect(parts.count == 2)
            #expect(Int64(parts[0]).map { abs($0 - Int64(Date().timeIntervalSince1970 * 1000)) < 60_000 } == true)
            #expect(parts[1].allSatisfy { $0.isHexDigit })
        }
    }

    @Test("a second claim of the same name gets .gone")
    func secondClaimGone() async throws {
        try await withTempDirectory { root in
            try writeFile("\(root)/a.json", "{}")
            let first = try InboxClaimer.claim(name: "a.json", inbox: root, claimDirectory: "\(root)/c", maxBytes: 10)
            #expect(first != .gone)
            let second = try InboxClaimer.claim(name: "a.json", inbox: root, claimDirectory: "\(root)/c", maxBytes: 10)
            #expect(second == .gone)
            #expect(InboxClaimer.leftovers(in: "\(root)/c").count == 1)
        }
    }

    @Test("a symlink gets .notRegular, is not followed, and stays where it is")
    func symlinkNotFollowed() async throws {
        try await withTempDirectory { root in
            let inbox = "\(root)/inbox"
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: false)
            try writeFile("\(root)/secret.json", #"{"secret": true}"#)
            #expect(symlink("\(root)/secret.json", "\(inbox)/link.json") == 0)
            let outcome = try InboxClaimer.claim(
                name: "link.json", inbox: inbox, claimDirectory: "\(root)/c", maxBytes: 1024)
            #expect(outcome == .notRegular)
            #expect(exists("\(inbox)/link.json"))
            #expect(readFile("\(root)/secret.json") == #"{"secret": true}"#)
            #expect(InboxClaimer.leftovers(in: "\(root)/c").isEmpty)
        }
    }

    @Test("a FIFO does not block and gets .notRegular; so does a directory")
    func fifoAndDirectory() async throws {
        try await withTempDirectory { root in
            #expect(mkfifo("\(root)/pipe.json", 0o644) == 0)
            try FileManager.default.createDirectory(atPath: "\(root)/dir.json", withIntermediateDirectories: false)
            let start = ContinuousClock.now
            #expect(
                try InboxClaimer.claim(name: "pipe.json", inbox: root, claimDirectory: "\(root)/c", maxBytes: 9)
                    == .notRegular)
            #expect(
                try InboxClaimer.claim(name: "dir.json", inbox: root, claimDirectory: "\(root)/c", maxBytes: 9)
                    == .notRegular)
            #expect(start.duration(to: .now) < .seconds(1))
            #expect(exists("\(root)/pipe.json") && exists("\(root)/dir.json"))
        }
    }

    @Test("a file over maxBytes is claimed but not read")
    func tooLarge() async throws {
        try await withTempDirectory { root in
            try writeFile("\(root)/big.json", String(repeating: "x", count: 101))
            let outcome = try InboxClaimer.claim(
                name: "big.json", inbox: root, claimDirectory: "\(root)/c", maxBytes: 100)
            guard case .tooLarge(let file) = outcome else {
                Issue.record("expected .tooLarge, got \(outcome)")
                return
            }
            #expect(file.data.isEmpty)
            #expect(file.size == 101)
            #expect(file.originalName == "big.json")
            #expect(exists(file.path))
            #expect(!exists("\(root)/big.json"))
        }
    }

    @Test("a file of exactly maxBytes is claimed and read")
    func exactlyMaxBytes() async throws {
        try await withTempDirectory { root in
            try writeFile("\(root)/edge.json", String(repeating: "x", count: 100))
            let outcome = try InboxClaimer.claim(
                name: "edge.json", inbox: root, claimDirectory: "\(root)/c", maxBytes: 100)
            guard case .claimed(let file) = outcome else {
                Issue.record("expected .claimed, got \(outcome)")
                return
            }
            #expect(file.data.count == 100)
        }
    }

    @Test("a missing name gets .gone")
    func missing() async throws {
        try await withTempDirectory { root in
            let outcome = try InboxClaimer.claim(
                name: "none.json", inbox: root, claimDirectory: "\(root)/c", maxBytes: 9)
            #expect(outcome == .gone)
        }
    }

    @Test(
        "originalName strips the token up to the first --",
        arguments: [
            ("1712345678901-a1b2c3--batch.json", "batch.json"),
            ("1712345678901-a1b2c3--a--b.json", "a--b.json"),
            ("plain.json", "plain.json"),
        ])
    func originalName(claimed: String, original: String) {
        #expect(InboxClaimer.originalName(ofClaimedFileName: claimed) == original)
    }

    @Test("leftovers are the claimed files, oldest first, skipping temp files and other entries")
    func leftovers() async throws {
        try await withTempDirectory { root in
            for name in [
                "1700000000300-aa--c.json", "1700000000100-ff--b.json", "1700000000200-00--a.json",
                ".tmp-1700000000000-00--x.json", "README",
            ] {
                try writeFile("\(root)/\(name)", "{}")
            }
            try FileManager.default.createDirectory(
                atPath: "\(root)/1700000000000-00--dir.json", withIntermediateDirectories: false)
            #expect(
                InboxClaimer.leftovers(in: root) == [
                    "\(root)/1700000000100-ff--b.json", "\(root)/1700000000200-00--a.json",
                    "\(root)/1700000000300-aa--c.json",
                ])
            #expect(InboxClaimer.leftovers(in: "\(root)/missing").isEmpty)
        }
    }
}
