import Glibc
import Logging
import SpoolFiles

/// Watches one directory with inotify plus periodic rescans and reports file names that look ready.
///
/// The inbox (batch files, reported once stable, folder-contract §2) and the control directories (`cancel/`, `retry/`,
/// reported at once) are each one of these; only the `Configuration` differs.
package struct DirectoryWatcher: Sendable {
    /// When a name found in the directory is reported.
    package enum Readiness: Sendable, Equatable {
        /// A batch file: once its writer is done (`StabilityTracker.isReady`); its content is read to judge.
        case stableBatchFile
        /// As soon as it is seen, once per stamp; the file is never read.
        case immediate
    }

    /// What to watch and how patiently.
    package struct Configuration: Sendable {
        /// The directory.
        package var directory: String
        /// How often the directory is listed, for writes inotify cannot see (NFS/SMB clients, overflow).
        package var rescanInterval: Duration
        /// How often it is listed while no inotify watch covers it (nil: `rescanInterval`).
        package var unwatchedRescanInterval: Duration?
        /// How long a file that does not parse as JSON must stay unchanged before it is reported.
        package var incompleteGrace: Duration
        /// Files larger than this are reported at once (they will be rejected unread).
        package var maxBytes: Int
        /// No inotify at all: only the scan (forced by `--scan-only`; automatic on a network filesystem).
        package var scanOnly: Bool
        package var readiness: Readiness
        /// The inotify events that announce a name (`IN_Q_OVERFLOW` and `IN_IGNORED` arrive on their own).
        package var eventMask: UInt32
        /// The names worth reporting (decided on the name alone).
        package var isCandidate: @Sendable (String) -> Bool
        /// The noun in log messages ("inbox", "cancel directory").
        package var label: String
        /// The log metadata key that carries the directory's path.
        package var metadataKey: String

        package init(
            directory: String, rescanInterval: Duration = .seconds(5), unwatchedRescanInterval: Duration? = nil,
            incompleteGrace: Duration = .seconds(10), maxBytes: Int = 1 << 20, scanOnly: Bool = false,
            readiness: Readiness = .stableBatchFile, eventMask: UInt32 = InotifyReader.watchMask,
            isCandidate: @escaping @Sendable (String) -> Bool = InboxNameFilter.isCandidate,
            label: String = "inbox", metadataKey: String = "inbox"
        ) {
            self.directory = directory
            self.rescanInterval = rescanInterval
            self.unwatchedRescanInterval = unwatchedRescanInterval
            self.incompleteGrace = incompleteGrace
            self.maxBytes = maxBytes
            self.scanOnly = scanOnly
            self.readiness = readiness
            self.eventMask = eventMask
            self.isCandidate = isCandidate
            self.label = label
            self.metadataKey = metadataKey
        }

        /// The interval between listings while the directory is not watched.
        var pollInterval: Duration { unwatchedRescanInterval ?? rescanInterval }
    }

    /// What wakes the watch loop.
    enum Wake: Sendable {
        case events([InotifyEvent])
        /// The loop's next deadline (see `DirectoryWatchLoop.nextDeadline()`) has come.
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

    /// Runs until the task is cancelled, calling `onCandidate(name)` for every file name in the directory that
    /// looks ready. May report the same name more than once (claiming by rename makes that harmless). Never
    /// throws for a missing directory: logs and waits for it.
    ///
    /// `onCandidate` is awaited on the loop: events that arrive meanwhile are buffered, never dropped.
    /// Cancellation ends the loop at once (it finishes the wake-up stream) and closes the inotify descriptor.
    package func run(onCandidate: @escaping @Sendable (String) async -> Void) async {
        // Unbounded: a bounded buffer silently drops inotify bursts; the kernel caps the queue.
        let (wakes, continuation) = AsyncStream<Wake>.makeStream(bufferingPolicy: .unbounded)
        let reader = openReader { continuation.yield(.events($0)) }
        defer {
            reader?.close()
            continuation.finish()
        }
        // No fixed tick: after every wake-up the loop arms one timer for its next deadline (the next periodic
        // scan, or a name's grace running out) and otherwise sleeps until inotify delivers an event.
        await withTaskCancellationHandler {
            var loop = DirectoryWatchLoop(configuration: configuration, logger: logger, reader: reader)
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

    /// The inotify reader, or nil (scan only) when asked to, on a network filesystem, or when inotify is
    /// unavailable; says which once.
    private func openReader(deliver: @escaping @Sendable ([InotifyEvent]) -> Void) -> InotifyReader? {
        let directory = configuration.directory
        let label = configuration.label
        let key = configuration.metadataKey
        let interval = configuration.rescanInterval
        let network = FilesystemKind.isNetwork(path: directory)
        let reader = configuration.scanOnly || network ? nil : InotifyReader(deliver: deliver)
        if network {
            logger.notice(
                "\(label) is on a network filesystem: inotify cannot see other clients' writes; scan-only mode",
                metadata: [key: "\(directory)", "rescan_interval": "\(interval)"])
        } else if configuration.scanOnly {
            logger.notice(
                "scan-only mode: the \(label) is listed periodically, inotify is off",
                metadata: [key: "\(directory)", "rescan_interval": "\(interval)"])
        } else if reader == nil {
            let reason = String(cString: strerror(errno))
            logger.warning(
                "inotify unavailable; relying on the \(label) scan",
                metadata: [key: "\(directory)", "error": "\(reason)"])
        }
        return reader
    }
}
