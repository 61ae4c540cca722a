import Foundation
import Glibc
import SpoolFiles
import Synchronization
import Testing

@testable import SpoolInbox

/// The claim outcomes NFS can produce, with the rename seam standing in for the server, and the adoption
/// of a lost node's claimed files.
@Suite("InboxClaimer on NFS")
struct InboxClaimerNFSTests {
    /// Does the real rename, then reports ENOENT: the reply to a retransmitted RENAME whose first copy the
    /// server already did. `after` runs between the two (a newcomer dropping a file, say).
    static func renamedButENOENT(after: @escaping @Sendable (String, String) -> Void = { _, _ in }) -> Renamer {
        Renamer { from, to in
            guard Glibc.rename(from, to) == 0 else { return errno }
            after(from, to)
            return ENOENT
        }
    }

    @Test("ENOENT after a rename that took place is a claim: the file is read as usual")
    func enoentAfterSuccessfulRename() async throws {
        try await withTempDirectory { root in
            try writeFile("\(root)/a.json", #"{"jobs": []}"#)
            let outcome = try InboxClaimer.claim(
                name: "a.json", inbox: root, claimDirectory: "\(root)/c", maxBytes: 100,
                renamer: Self.renamedButENOENT())
            guard case .claimed(let file) = outcome else {
                Issue.record("expected .claimed, got \(outcome)")
                return
            }
            #expect(file.data == Data(#"{"jobs": []}"#.utf8) && file.originalName == "a.json")
            #expect(!exists("\(root)/a.json"))
            #expect(InboxClaimer.leftovers(in: "\(root)/c") == [file.path])
        }
    }

    @Test("ENOENT with the destination present and a new file under the inbox name: ours, the newcomer stays")
    func destinationPresentAfterENOENT() async throws {
        try await withTempDirectory { root in
            try writeFile("\(root)/a.json", "[1]")
            let renamer = Self.renamedButENOENT { from, _ in try? writeFile(from, "[2]") }
            let outcome = try InboxClaimer.claim(
                name: "a.json", inbox: root, claimDirectory: "\(root)/c", maxBytes: 100, renamer: renamer)
            guard case .claimed(let file) = outcome else {
                Issue.record("expected .claimed, got \(outcome)")
                return
            }
            #expect(file.data == Data("[1]".utf8))
            #expect(readFile(file.path) == "[1]")
            #expect(readFile("\(root)/a.json") == "[2]")  // not lost: the next claim takes it
            guard
                case .claimed(let next) = try InboxClaimer.claim(
                    name: "a.json", inbox: root, claimDirectory: "\(root)/c", maxBytes: 100)
            else {
                Issue.record("the newcomer was not claimable")
                return
            }
            #expect(next.data == Data("[2]".utf8) && next.path != file.path)
        }
    }

    @Test("ENOENT and no destination: another node took the file; .gone, and its claim is untouched")
    func neitherIsGone() async throws {
        try await withTempDirectory { root in
            try writeFile("\(root)/a.json", "[1]")
            try FileManager.default.createDirectory(atPath: "\(root)/other", withIntermediateDirectories: false)
            // The other node's rename lands first; ours then finds no source.
            let renamer = Renamer { from, to in
                _ = Glibc.rename(from, "\(root)/other/1-ff--a.json")
                return Glibc.rename(from, to) == 0 ? 0 : errno
            }
            let outcome = try InboxClaimer.claim(
                name: "a.json", inbox: root, claimDirectory: "\(root)/c", maxBytes: 100, renamer: renamer)
            #expect(outcome == .gone)
            #expect(InboxClaimer.leftovers(in: "\(root)/c").isEmpty)
            #expect(readFile("\(root)/other/1-ff--a.json") == "[1]")
        }
    }

    @Test("another rename failure is an error naming the file and the errno; the file stays in the inbox")
    func otherErrors() async throws {
        try await withTempDirectory { root in
            try writeFile("\(root)/a.json", "[1]")
            for (failure, operation) in [(EACCES, FileError.Operation.rename), (EXDEV, .crossDevice)] {
                do {
                    _ = try InboxClaimer.claim(
                        name: "a.json", inbox: root, claimDirectory: "\(root)/c", maxBytes: 100,
                        renamer: Renamer { _, _ in failure })
                    Issue.record("errno \(failure) did not throw")
                } catch let error as FileError {
                    #expect(error.operation == operation && error.errno == failure)
                    #expect(error.path == (failure == EXDEV ? "\(root)/c" : "\(root)/a.json"))
                }
                #expect(readFile("\(root)/a.json") == "[1]")
            }
        }
    }

    @Test("a node claims into inbox/.claimed/<node>, which the single-node leftovers never list")
    func nodeDirectory() async throws {
        try await withTempDirectory { root in
            let inbox = "\(root)/inbox"
            let mine = try InboxClaimer.nodeClaimDirectory(inbox: inbox, node: "node-1.example")
            #expect(mine == "\(inbox)/.claimed/node-1.example")
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: false)
            try writeFile("\(inbox)/a.json", "[1]")
            let outcome = try InboxClaimer.claim(name: "a.json", inbox: inbox, claimDirectory: mine, maxBytes: 9)
            guard case .claimed(let file) = outcome else {
                Issue.record("expected .claimed, got \(outcome)")
                return
            }
            #expect(InboxClaimer.leftovers(in: mine) == [file.path])
            #expect(InboxClaimer.leftovers(in: "\(inbox)/.claimed").isEmpty)
            #expect(try InboxClaimer.nodeClaimDirectory(inbox: inbox, node: "Node_2") == "\(inbox)/.claimed/Node_2")
            for bad in [
                "", ".", "..", ".hidden", "a/b", "../../etc", "a b", "nöde", "a\0b", String(repeating: "n", count: 256),
            ] {
                #expect(throws: FileError.self, "node name \(bad)") {
                    try InboxClaimer.nodeClaimDirectory(inbox: inbox, node: bad)
                }
            }
        }
    }

    @Test("adopt moves a lost node's claimed files, oldest first, keeping <token>--<name>")
    func adoptOldestFirst() async throws {
        try await withTempDirectory { root in
            let lost = "\(root)/.claimed/lost"
            let mine = "\(root)/.claimed/mine"
            try FileManager.default.createDirectory(atPath: lost, withIntermediateDirectories: true)
            let names = ["1700000000300-aa--c.json", "1700000000100-ff--a.json", "1700000000200-00--b.json"]
            for name in names { try writeFile("\(lost)/\(name)", name) }
            try writeFile("\(lost)/.tmp-1700000000000-00--x.json", "partial")
            let adopted = try InboxClaimer.adopt(from: lost, into: mine)
            #expect(adopted == names.sorted().map { "\(mine)/\($0)" })
            for name in names { #expect(readFile("\(mine)/\(name)") == name) }
            #expect(InboxClaimer.leftovers(in: lost).isEmpty)
            #expect(exists("\(lost)/.tmp-1700000000000-00--x.json"))  // not a claim: left alone
            #expect(try InboxClaimer.adopt(from: lost, into: mine).isEmpty)  // nothing left to adopt
        }
    }

    @Test("adopt after ENOENT: present at the destination is adopted; taken by another node is skipped")
    func adoptENOENT() async throws {
        try await withTempDirectory { root in
            let lost = "\(root)/lost"
            let mine = "\(root)/mine"
            let other = "\(root)/other"
            for directory in [lost, other] {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            }
            try writeFile("\(lost)/1-aa--first.json", "1")
            try writeFile("\(lost)/2-bb--second.json", "2")
            let renamer = Renamer { from, to in
                if from.hasSuffix("first.json") {  // ours, but the reply was lost
                    return Glibc.rename(from, to) == 0 ? ENOENT : errno
                }
                _ = Glibc.rename(from, "\(other)/2-bb--second.json")  // another live node was faster
                return Glibc.rename(from, to) == 0 ? 0 : errno
            }
            let adopted = try InboxClaimer.adopt(from: lost, into: mine, renamer: renamer)
            #expect(adopted == ["\(mine)/1-aa--first.json"])
            #expect(readFile("\(mine)/1-aa--first.json") == "1")
            #expect(readFile("\(other)/2-bb--second.json") == "2")
            #expect(!exists("\(mine)/2-bb--second.json"))
        }
    }

    @Test("adopt from a missing or empty directory, or from itself, adopts nothing and creates nothing")
    func adoptNothing() async throws {
        try await withTempDirectory { root in
            #expect(try InboxClaimer.adopt(from: "\(root)/missing", into: "\(root)/mine").isEmpty)
            #expect(!exists("\(root)/mine"))
            try writeFile("\(root)/1-aa--a.json", "1")
            #expect(try InboxClaimer.adopt(from: root, into: root).isEmpty)
            #expect(readFile("\(root)/1-aa--a.json") == "1")
        }
    }
}
