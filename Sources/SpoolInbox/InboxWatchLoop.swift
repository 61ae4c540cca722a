import Foundation
import Glibc
import Logging

/// The watcher's state machine: the inotify watch, the inbox's availability, scans and the tracker.
///
/// Lives inside one `InboxWatcher.run` call and is only touched from that task.
struct InboxWatchLoop {
    typealias Report = @Sendable (String) async -> Void

    /// Whether the inbox could be listed last time; logged only on change, so a long outage is one line.
    private enum Availability { case unknown, available, unavailable }

    let configuration: InboxWatcher.Configuration
    let logger: Logger
    let reader: InotifyReader?
    private var watch: Int32?
    private var availability = Availability.unknown
    private var watchFailureLogged = false
    private var nextScan = ContinuousClock.now
    private var tracker: StabilityTracker

    init(configuration: InboxWatcher.Configuration, logger: Logger, reader: InotifyReader?) {
        self.configuration = configuration
        self.logger = logger
        self.reader = reader
        tracker = StabilityTracker(
            rescanInterval: configuration.rescanInterval, incompleteGrace: configuration.incompleteGrace)
    }

    private var inbox: String { configuration.inbox }

    /// The start-up scan (which also adds the watch).
    mutating func start(report: Report) async {
        logger.info("inbox watch started", metadata: ["inbox": "\(inbox)"])
        scan(reason: "start-up")
        // Tests wait for this line: from here on, events are not missed.
        logger.debug(
            "inbox watch ready", metadata: ["inbox": "\(inbox)", "inotify": "\(watch == nil ? "off" : "on")"])
        await settle(report: report)
    }

    mutating func tick(report: Report) async {
        if ContinuousClock.now >= nextScan { scan(reason: nil) }
        await settle(report: report)
    }

    mutating func handle(_ events: [InotifyEvent], report: Report) async {
        var rescan: String?
        for event in events {
            if event.has(IN_Q_OVERFLOW) {
                rescan = "inotify queue overflow"
                continue
            }
            guard let watch, event.wd == watch else { continue }  // a watch we already dropped
            if event.has(IN_DELETE_SELF) || event.has(IN_MOVE_SELF) || event.has(IN_IGNORED) {
                // The inbox went away (or was renamed); the scan finds out whether a new one is there.
                if event.has(IN_MOVE_SELF) { reader?.removeWatch(watch) }
                self.watch = nil
                rescan = "inbox removed or moved"
                continue
            }
            guard !event.has(IN_ISDIR), InboxNameFilter.isCandidate(event.name) else { continue }
            observe(event.name, source: .event)
        }
        if let rescan { scan(reason: rescan) }
        await settle(report: report)
    }

    // MARK: - Scanning

    /// Lists the inbox and feeds every candidate to the tracker. A failed listing changes nothing but the
    /// availability: a missing inbox is never read as "every file was deleted".
    private mutating func scan(reason: String?) {
        nextScan = ContinuousClock.now + configuration.rescanInterval
        addWatchIfNeeded()
        let names: [String]
        do {
            names = try Self.listCandidates(inbox)
        } catch {
            markUnavailable(error: "\(error)")
            return
        }
        markAvailable()
        if let reason {
            logger.info("inbox rescan", metadata: ["inbox": "\(inbox)", "reason": "\(reason)"])
        } else {
            logger.trace("inbox rescan", metadata: ["inbox": "\(inbox)"])
        }
        var present = Set<String>()
        for name in names {
            if observe(name, source: .scan) { present.insert(name) }
        }
        tracker.retainOnly(present)
    }

    /// The candidate names in `directory` (SPEC §2 name rules), read with readdir(3): dot-names (rsync's
    /// temporaries, thousands of them in a busy inbox) are skipped before any string is made, so a
    /// rescan costs next to nothing for names that are never candidates.
    static func listCandidates(_ directory: String) throws -> [String] {
        guard let dir = opendir(directory) else {
            throw InboxError.system(.open, "cannot list the inbox", path: directory)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw InboxError.system(.read, "cannot list the inbox", path: directory) }
                return names
            }
            let name: String? = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { cName in
                    cName.pointee == CChar(UInt8(ascii: ".")) ? nil : String(cString: cName)
                }
            }
            if let name, InboxNameFilter.isCandidate(name) { names.append(name) }
        }
    }

    /// Stamps one name and records it; forgets it when it is gone or not a regular file. True if recorded.
    @discardableResult
    private mutating func observe(_ name: String, source: StabilityTracker.Source) -> Bool {
        let path = "\(inbox)/\(name)"
        guard let stamp = InboxFileProbe.regularFileStamp(path) else {
            tracker.forget(name)
            return false
        }
        let maxBytes = configuration.maxBytes
        tracker.observe(name, stamp: stamp, source: source, at: .now) {
            InboxFileProbe.looksComplete(path, maxBytes: maxBytes)
        }
        return true
    }

    /// Re-checks names whose grace has run out, then reports whatever is ready.
    private mutating func settle(report: Report) async {
        let now = ContinuousClock.now
        for name in tracker.namesDueForRecheck(at: now) { observe(name, source: .recheck) }
        for name in tracker.takeReady(at: now) {
            logger.debug("inbox candidate", metadata: ["inbox": "\(inbox)", "name": "\(name)"])
            await report(name)
        }
    }

    // MARK: - Availability and the watch

    private mutating func addWatchIfNeeded() {
        guard watch == nil, let reader else { return }
        let wd = reader.addWatch(inbox)
        if wd >= 0 {
            watch = wd
            watchFailureLogged = false
            return
        }
        let error = errno
        // A missing inbox is reported by the listing; anything else (watch limit reached) deserves its own line.
        if error != ENOENT && error != ENOTDIR && error != EACCES && !watchFailureLogged {
            watchFailureLogged = true
            logger.warning(
                "cannot watch the inbox with inotify; relying on the scan",
                metadata: ["inbox": "\(inbox)", "error": "\(String(cString: strerror(error)))"])
        }
    }

    private mutating func markUnavailable(error: String) {
        guard availability != .unavailable else { return }
        availability = .unavailable
        logger.warning(
            "inbox missing or unreadable; waiting for it",
            metadata: ["inbox": "\(inbox)", "error": "\(error)"])
    }

    private mutating func markAvailable() {
        if availability == .unavailable {
            logger.notice("inbox available again", metadata: ["inbox": "\(inbox)"])
        }
        availability = .available
    }
}
