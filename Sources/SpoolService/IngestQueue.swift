import Synchronization

/// Hands inbox names from the watcher to the ingestor in groups.
///
/// The watcher reports names one at a time and must not wait for each ingest, or a burst of drops
/// would be ingested one file, one transaction and one fsync at a time. Names queue here while a
/// group is being ingested; the next group takes everything queued (up to `groupLimit`), so a
/// single drop is ingested at once and a burst shares transactions and fsyncs (`Ingestor.ingest(names:)`).
package final class IngestQueue: Sendable {
    /// The most names in one group: bounds the time to the group's first receipt during a burst.
    package static let groupLimit = 50

    private struct Pending {
        var names: [String] = []
        var queued: Set<String> = []
    }

    private let pending = Mutex(Pending())
    private let wakeups: AsyncStream<Void>
    private let wakeup: AsyncStream<Void>.Continuation

    package init() {
        (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a name (once, however often it is reported before it is taken).
    package func submit(_ name: String) {
        let added = pending.withLock { p in
            guard p.queued.insert(name).inserted else { return false }
            p.names.append(name)
            return true
        }
        if added { wakeup.yield() }
    }

    /// Calls `ingest` with each group until the task is cancelled; a group in progress is finished first.
    package func run(_ ingest: ([String]) async -> Void) async {
        for await _ in wakeups {
            while let group = take() { await ingest(group) }
            if Task.isCancelled { return }
        }
    }

    /// The next group, oldest names first; nil when nothing is queued.
    func take() -> [String]? {
        pending.withLock { p in
            guard !p.names.isEmpty else { return nil }
            let group = Array(p.names.prefix(Self.groupLimit))
            p.names.removeFirst(group.count)
            p.queued.subtract(group)
            return group
        }
    }
}
