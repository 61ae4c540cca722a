import Foundation
import ServiceLifecycle
import ServiceLifecycleTestKit
import SpoolCore
import SpoolStore
import Testing

@testable import SpoolService

/// The daemon run in process, its graceful shutdown driven by ServiceLifecycleTestKit; the order of its
/// services' stops is read from the events it reports, never from timing.
@Suite("Daemon shutdown", .serialized, .timeLimit(.minutes(1)))
struct DaemonShutdownTests {
    static let services: Set<String> = ["scheduler", "metrics", "control", "ingest"]

    /// A daemon that reports its events to `sink`, and finishes it once sealed.
    static func daemon(
        paths: SpoolPaths, configuration: SpoolConfiguration, sink: AsyncStream<SpoolDaemon.Event>.Continuation
    ) -> SpoolDaemon {
        var daemon = SpoolDaemon(paths: paths, configuration: configuration, logger: quietLogger)
        daemon.onEvent = { event in
            sink.yield(event)
            if event == .sealed { sink.finish() }
        }
        return daemon
    }

    @Test("a graceful shutdown stops the inputs first, the scheduler last, then seals the state")
    func shutdownOrder() async throws {
        try await withTempDirectory { root in
            let paths = SpoolPaths(root: root, configuration: .defaults)
            let (events, sink) = AsyncStream<SpoolDaemon.Event>.makeStream()
            let daemon = Self.daemon(paths: paths, configuration: .defaults, sink: sink)
            var seen: [SpoolDaemon.Event] = []
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { sink.finish() }  // a failed run ends the stream too
                        try await daemon.run()
                    }
                    var iterator = events.makeAsyncIterator()
                    // Every service has started: shut down.
                    while let event = await iterator.next() {
                        seen.append(event)
                        if Set(seen.compactMap(\.startedName)) == Self.services { break }
                    }
                    trigger.triggerGracefulShutdown()
                    while let event = await iterator.next() { seen.append(event) }
                    try await group.waitForAll()
                }
            }
            #expect(seen.first == .recovered)
            let stops = seen.compactMap { if case .serviceStopped(let name) = $0 { name } else { nil } }
            #expect(stops == ["ingest", "control", "metrics", "scheduler"])
            #expect(seen.last == .sealed)
            #expect(FileManager.default.fileExists(atPath: paths.cleanShutdownMarker))
        }
    }

    @Test("jobs waiting at shutdown stay Pending, and the next start finds the marker valid")
    func pendingJobsSurviveShutdown() async throws {
        try await withTempDirectory { root in
            let paths = SpoolPaths(root: root, configuration: .defaults)
            try paths.createLayout()
            // No slot: the job waits in the queue for the whole run.
            var configuration = SpoolConfiguration.defaults
            configuration.downloads = 0
            let id: String
            do {
                let harness = try ServiceHarness(root: root)
                id = try harness.addBatch(count: 1)[0]
            }
            for _ in 0..<2 {
                let (events, sink) = AsyncStream<SpoolDaemon.Event>.makeStream()
                let daemon = Self.daemon(paths: paths, configuration: configuration, sink: sink)
                try await testGracefulShutdown { trigger in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            defer { sink.finish() }
                            try await daemon.run()
                        }
                        for await event in events where event.startedName == "ingest" {
                            trigger.triggerGracefulShutdown()
                        }
                        try await group.waitForAll()
                    }
                }
                #expect(FileManager.default.fileExists(atPath: paths.cleanShutdownMarker))
            }
            let store = try Store(path: paths.database)
            #expect(try store.job(id: id)?.status == .pending)
        }
    }
}

extension SpoolDaemon.Event {
    /// The service's name, for `serviceStarted`.
    var startedName: String? {
        if case .serviceStarted(let name) = self { name } else { nil }
    }
}
