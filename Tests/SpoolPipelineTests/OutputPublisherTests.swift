import Foundation
import SpoolCore
import Testing

@testable import SpoolPipeline

@Suite("OutputPublisher")
struct OutputPublisherTests {
    struct Env {
        var work: String
        var out: String

        /// A finished file in the work directory, ready to publish.
        func media(_ text: String, name: String = "media.mp4") throws -> String {
            let path = work + "/" + name
            try writeText(path, text)
            return path
        }
    }

    func withEnv(_ body: (Env) async throws -> Void) async throws {
        try await withTempDirectory { dir in
            let env = Env(work: dir + "/work", out: dir + "/out")
            try FileManager.default.createDirectory(atPath: env.work, withIntermediateDirectories: true)
            try await body(env)
        }
    }

    @Test("publish places name.mp4, then name (2).mp4 for the same base; finish drops the stage files")
    func publishAndSuffix() async throws {
        try await withEnv { env in
            let publisher = OutputPublisher(outRoot: env.out, conflict: .suffix, staging: env.work + "/.staging")
            let first = try publisher.publish(
                [.init(source: try env.media("one"), suffix: ".mp4")], jobID: "job1", folder: nil, base: "name")
            #expect(first.keys == ["name.mp4"])
            #expect(readText(env.out + "/name.mp4") == "one")
            #expect(first.stagePaths.count == 1)
            #expect(FileManager.default.fileExists(atPath: first.stagePaths[0]))
            #expect(!FileManager.default.fileExists(atPath: env.work + "/media.mp4"))

            let second = try publisher.publish(
                [.init(source: try env.media("two"), suffix: ".mp4")], jobID: "job2", folder: nil, base: "name")
            #expect(second.keys == ["name (2).mp4"])
            #expect(readText(env.out + "/name.mp4") == "one")
            #expect(readText(env.out + "/name (2).mp4") == "two")

            publisher.finish(first)
            publisher.finish(second)
            #expect(listing(env.out) == ["name (2).mp4", "name.mp4"])
        }
    }

    @Test("an existing file is never overwritten, and side files follow the main file's name")
    func neverOverwrites() async throws {
        try await withEnv { env in
            let publisher = OutputPublisher(outRoot: env.out, conflict: .suffix, staging: env.work + "/.staging")
            try FileManager.default.createDirectory(atPath: env.out + "/shows", withIntermediateDirectories: true)
            try writeText(env.out + "/shows/clip.mp4", "someone else's")
            let pub = try publisher.publish(
                [
                    .init(source: try env.media("new video"), suffix: ".mp4"),
                    .init(source: try env.media("WEBVTT", name: "sub.vtt"), suffix: ".en.vtt"),
                ], jobID: "j", folder: "shows", base: "clip")
            #expect(pub.keys == ["shows/clip (2).mp4", "shows/clip (2).en.vtt"])
            #expect(readText(env.out + "/shows/clip.mp4") == "someone else's")
            #expect(readText(env.out + "/shows/clip (2).mp4") == "new video")
            #expect(readText(env.out + "/shows/clip (2).en.vtt") == "WEBVTT")
            publisher.finish(pub)
            #expect(listing(env.out + "/shows") == ["clip (2).en.vtt", "clip (2).mp4", "clip.mp4"])
        }
    }

    @Test("recover after a publish without finish removes the final name and the stage file")
    func recoverUndoesPublication() async throws {
        try await withEnv { env in
            let publisher = OutputPublisher(outRoot: env.out, conflict: .suffix, staging: env.work + "/.staging")
            try FileManager.default.createDirectory(atPath: env.out, withIntermediateDirectories: true)
            try writeText(env.out + "/keep.mp4", "unrelated")
            let pub = try publisher.publish(
                [
                    .init(source: try env.media("video"), suffix: ".mp4"),
                    .init(source: try env.media("jpeg", name: "t.jpg"), suffix: ".jpg"),
                ], jobID: "crashy", folder: nil, base: "name")
            #expect(listing(env.out).contains("name.mp4"))
            // Crash between link and commit: no finish. Start-up recovery:
            publisher.recover(jobID: "crashy", folder: nil)
            #expect(listing(env.out) == ["keep.mp4"])
            #expect(pub.stagePaths.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
            // Recovering again, or another job, is harmless.
            publisher.recover(jobID: "crashy", folder: nil)
            publisher.recover(jobID: "other", folder: "never/made")
            #expect(readText(env.out + "/keep.mp4") == "unrelated")
        }
    }

    @Test("recover after finish leaves the published file alone")
    func recoverAfterFinishIsNoop() async throws {
        try await withEnv { env in
            let publisher = OutputPublisher(outRoot: env.out, conflict: .suffix, staging: env.work + "/.staging")
            let pub = try publisher.publish(
                [.init(source: try env.media("video"), suffix: ".mp4")], jobID: "ok", folder: nil, base: "name")
            publisher.finish(pub)
            publisher.recover(jobID: "ok", folder: nil)
            #expect(readText(env.out + "/name.mp4") == "video")
        }
    }

    @Test("a symlink planted as the folder is refused and nothing is written through it")
    func symlinkFolderRefused() async throws {
        try await withEnv { env in
            let elsewhere = env.work + "/../elsewhere"
            try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: env.out, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: env.out + "/evil", withDestinationPath: elsewhere)
            let publisher = OutputPublisher(outRoot: env.out, conflict: .suffix, staging: env.work + "/.staging")
            let source = try env.media("video")
            #expect(throws: PipelineError.self) {
                try publisher.publish([.init(source: source, suffix: ".mp4")], jobID: "j", folder: "evil", base: "name")
            }
            #expect(throws: PipelineError.self) {
                try publisher.publish(
                    [.init(source: source, suffix: ".mp4")], jobID: "j", folder: "evil/deeper", base: "name")
            }
            #expect(listing(elsewhere).isEmpty)
            #expect(FileManager.default.fileExists(atPath: source))
        }
    }

    @Test("conflict fail throws when the name is taken and leaves the existing file")
    func conflictFail() async throws {
        try await withEnv { env in
            let publisher = OutputPublisher(outRoot: env.out, conflict: .fail, staging: env.work + "/.staging")
            try FileManager.default.createDirectory(atPath: env.out, withIntermediateDirectories: true)
            try writeText(env.out + "/name.mp4", "original")
            #expect(throws: PipelineError.self) {
                try publisher.publish(
                    [.init(source: try env.media("new"), suffix: ".mp4")], jobID: "j", folder: nil, base: "name")
            }
            #expect(readText(env.out + "/name.mp4") == "original")
            #expect(listing(env.out) == ["name.mp4"])
        }
    }

    @Test("conflict overwrite replaces the existing file")
    func conflictOverwrite() async throws {
        try await withEnv { env in
            let publisher = OutputPublisher(outRoot: env.out, conflict: .overwrite, staging: env.work + "/.staging")
            try FileManager.default.createDirectory(atPath: env.out, withIntermediateDirectories: true)
            try writeText(env.out + "/name.mp4", "original")
            let pub = try publisher.publish(
                [.init(source: try env.media("replacement"), suffix: ".mp4")], jobID: "j", folder: nil, base: "name")
            #expect(pub.keys == ["name.mp4"])
            #expect(readText(env.out + "/name.mp4") == "replacement")
            publisher.finish(pub)
            #expect(listing(env.out) == ["name.mp4"])
        }
    }
}
