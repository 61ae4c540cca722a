import Glibc
import Logging
import SpoolFiles

/// Watches the inbox with inotify plus periodic rescans and reports file names that look ready to claim.
package struct InboxWatcher: Sendable {
    /// What to watch and how patiently.
    package struct Configuration: Sendable {
        /// The inbox directory.
        package var inbox: String
        /// How often the inbox is listed, for writes inotify cannot see (NFS/SMB clients, overflow).
        package var rescanInterval: Duration
        /// How long a file that does not parse as JSON must stay unchanged before it is reported.
        package var incompleteGrace: Duration
        /// Files larger than this are reported at once (they will be rejected unread).
        package var maxBytes: Int
        /// No inotify at all: only the scan (forced by `--scan-only`; automatic on a network filesystem).
        package var scanOnly: Bool

        package init(
            inbox: String, rescanInterval: Duration = .seconds(5), incompleteGrace: Duration = .seconds(10),
            maxBytes: Int = 1 << 20, scanOnly: Bool = false
        ) {
            self.inbox = inbox
            self.rescanInterval = rescanInterval
            self.incompleteGrace = incompleteGrace
            self.maxBytes = maxBytes
            self.scanOnly = scanOnly
        }
    }

    /// What wakes the watch loop.
    enum Wake: Sendable {
        case events([InotifyEvent])
        /// The loop's next deadline (see `InboxWatchLoop.nextDeadline()`) has come.
        case tick
    }

    package let configuration: Configuration
    let logger: Logger

    package init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The shortest sleep between two wake-ups without events, so a deadline that has just passed (a clock
    /// read a hair early) cannot make the loop spin.
    static let minimumSleep: Duration = .milliseconds(5)

    /// Runs until the task is cancelled, calling `onCandidate(name)` for every file name in the inbox that looks
    /// ready to claim. May report the same name more than once (claiming by rename makes that harmless). Never
    /// throws for a missing inbox: logs and waits for it.
    ///
    /// `onCandidate` is awaited on the loop: events that arrive meanwhile are buffered, never dropped.
    /// Cancellation ends the loop at once (it finishes the wake-up stream) and closes the inotify descriptor.
    package func run(onCandidate: @escaping @Sendable (String) async -> Void) async {
        // Unbounded: a bounded buffer silently drops inotify bursts (swift-stack.md §6); the kernel caps the queue.
        let (wakes, continuation) = AsyncStream<Wake>.makeStream(bufferingPolicy: .unbounded)
        let inbox = configuration.inbox
        let network = FilesystemKind.isNetwork(path: inbox)
        let reader = configuration.scanOnly || network ? nil : InotifyReader { continuation.yield(.events($0)) }
        defer {
            reader?.close()
            continuation.finish()
        }
        if network {
            logger.notice(
                "inbox is on a network filesystem: inotify cannot see other clients' writes; scan-only mode",
                metadata: ["inbox": "\(inbox)", "rescan_interval": "\(configuration.rescanInterval)"])
        } else if configuration.scanOnly {
            logger.notice(
                "scan-only mode: the inbox is listed periodically, inotify is off",
                metadata: ["inbox": "\(inbox)", "rescan_interval": "\(configuration.rescanInterval)"])
        } else if reader == nil {
            let reason = String(cString: strerror(errno))
            logger.warning(
                "inotify unavailable; relying on the inbox scan", metadata: ["inbox": "\(inbox)", "error": "\(reason)"])
        }

        // No fixed tick: after every wake-up the loop arms one timer for its next deadline (the next periodic
        // scan, or a name's grace running out) and otherwise sleeps until inotify delivers an event.
        await withTaskCancellationHandler {
            var loop = InboxWatchLoop(configuration: configuration, logger: logger, reader: reader)
            await loop.start(report: onCandidate)
            var timer: Task<Void, Never>?
            var armed: ContinuousClock.Instant?
            defer { timer?.cancel() }
            func arm(_ deadline: ContinuousClock.Instant) {
                guard deadline != armed else { return }
                timer?.cancel()
                armed = deadline
                let delay = max(ContinuousClock.now.duration(to: deadline), Self.minimumSleep)
                timer = Task {
                    try? await Task.sleep(for: delay)
                    if !Task.isCancelled { continuation.yield(.tick) }
                }
            }
            arm(loop.nextDeadline())
            for await wake in wakes {
                if Task.isCancelled { break }
                switch wake {
                case .events(let events): await loop.handle(events, report: onCandidate)
                case .tick:
                    armed = nil  // this timer has fired (or a stale one did): always arm afresh
                    await loop.tick(report: onCandidate)
                }
                arm(loop.nextDeadline())
            }
        } onCancel: {
            continuation.finish()
        }
    }
}
