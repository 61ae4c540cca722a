import Foundation
import Glibc
import Logging
import SpoolFiles

/// The watcher's state machine: the inotify watch, the directory's availability, scans and the tracker.
///
/// Lives inside one `DirectoryWatcher.run` call and is only touched from that task.
struct DirectoryWatchLoop {
    typealias Report = @Sendable (String) async -> Void

    /// Whether the directory could be listed last time; logged only on change, so a long outage is one line.
    private enum Availability { case unknown, available, unavailable }

    let configuration: DirectoryWatcher.Configuration
    let logger: Logger
    let reader: InotifyReader?
    private var watch: Int32?
    private var availability = Availability.unknown
    private var watchFailureLogged = false
    private var nextScan = ContinuousClock.now
    private var tracker: StabilityTracker
    /// The directory as it was at the last full listing, kept only when that listing can vouch for it
    /// (see `scan`); nil forces the next periodic scan to list.
    private var listedDirectory: DirectoryStamp?
    /// Periodic scans answered from the tracker since the last full listing.
    private var listingsSkipped = 0
    /// Full listings so far (tests check that an unchanged directory is not listed again).
    private(set) var listings = 0

    /// What says whether a directory's entries may have changed: any create, delete or rename inside it
    /// moves its mtime and ctime; a directory replaced at the same path has another inode.
    struct DirectoryStamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var mtime: timespec
        var ctime: timespec

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            mtime = info.st_mtim
            ctime = info.st_ctim
        }

        static func == (a: Self, b: Self) -> Bool {
            a.device == b.device && a.inode == b.inode && a.mtime.tv_sec == b.mtime.tv_sec
                && a.mtime.tv_nsec == b.mtime.tv_nsec && a.ctime.tv_sec == b.ctime.tv_sec
                && a.ctime.tv_nsec == b.ctime.tv_nsec
        }
    }

    /// At most this many periodic scans in a row are answered without listing; then one lists regardless.
    static let maxListingsSkipped = 11

    init(configuration: DirectoryWatcher.Configuration, logger: Logger, reader: InotifyReader?) {
        self.configuration = configuration
        self.logger = logger
        self.reader = reader
        tracker = StabilityTracker(
            rescanInterval: configuration.rescanInterval, incompleteGrace: configuration.incompleteGrace,
            rule: configuration.readiness == .immediate ? .immediate : .stable)
    }

    private var inbox: String { configuration.directory }
    /// The noun in log messages ("inbox", "cancel directory") and the metadata key naming the directory.
    private var label: String { configuration.label }
    private var key: String { configuration.metadataKey }

    /// The start-up scan (which also adds the watch).
    mutating func start(report: Report) async {
        logger.info("\(label) watch started", metadata: [key: "\(inbox)"])
        scan(reason: "start-up")
        // Tests wait for this line: from here on, events are not missed.
        logger.debug(
            "\(label) watch ready", metadata: [key: "\(inbox)", "inotify": "\(watch == nil ? "off" : "on")"])
        await settle(report: report)
    }

    /// When the loop must look again without an event: the next periodic scan, or the earliest moment a name
    /// waiting in the tracker can become ready or needs a re-check. With nothing pending that is the next scan,
    /// so an idle directory wakes the loop once per rescan interval and not in between.
    func nextDeadline() -> ContinuousClock.Instant {
        var deadline = nextScan
        let grace = configuration.incompleteGrace
        let rescan = configuration.rescanInterval
        for entry in tracker.entries.values where !entry.reported {
            let due: ContinuousClock.Instant
            if entry.seenByEvent {
                // Complete ones were taken at once; an incomplete one is re-checked when its grace runs out.
                due = entry.stableSince + grace
            } else if entry.unchangedScans >= 1 {
                // Found by scans and seen unchanged by one more: ready once unchanged for long enough.
                due = entry.stableSince + (entry.isComplete ? rescan : max(rescan, grace))
            } else {
                continue  // needs another scan first: `nextScan` covers it
            }
            deadline = min(deadline, due)
        }
        return deadline
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
                // The directory went away (or was renamed); the scan finds out whether a new one is there.
                if event.has(IN_MOVE_SELF) { reader?.removeWatch(watch) }
                self.watch = nil
                rescan = "\(label) removed or moved"
                continue
            }
            guard !event.has(IN_ISDIR), configuration.isCandidate(event.name) else { continue }
            observe(event.name, source: .event)
        }
        if let rescan { scan(reason: rescan) }
        await settle(report: report)
    }

    // MARK: - Scanning

    /// Lists the directory and feeds every candidate to the tracker. A failed listing changes nothing but the
    /// availability: a missing directory is never read as "every file was deleted".
    ///
    /// A periodic scan of a watched local directory whose directory stamp has not moved since the last full
    /// listing does not list it again (with thousands of ignored dot-files, the listing is what an idle
    /// service spends its time on): no entry was created, removed or renamed, so the names are the
    /// tracker's, and those are stamped afresh exactly as a listing would. Every `maxListingsSkipped + 1`-th
    /// periodic scan, and every scan with a reason (start-up, overflow, inbox moved), lists in full.
    private mutating func scan(reason: String?) {
        addWatchIfNeeded()
        // Unwatched (no inotify, a network filesystem, the watch failed) a directory may be polled faster.
        nextScan = ContinuousClock.now + (watch == nil ? configuration.pollInterval : configuration.rescanInterval)
        let before = Self.directoryStamp(inbox)
        if reason == nil, watch != nil, let before, before == listedDirectory,
            listingsSkipped < Self.maxListingsSkipped
        {
            listingsSkipped += 1
            markAvailable()
            logger.trace("\(label) rescan", metadata: [key: "\(inbox)", "listing": "skipped: unchanged"])
            var present = Set<String>()
            for name in tracker.entries.keys.sorted() where observe(name, source: .scan) { present.insert(name) }
            tracker.retainOnly(present)
            return
        }
        let names: [String]
        do {
            names = try Self.listCandidates(inbox, isCandidate: configuration.isCandidate)
        } catch {
            listedDirectory = nil
            markUnavailable(error: "\(error)")
            return
        }
        listings += 1
        listingsSkipped = 0
        listedDirectory = before.flatMap { stamp in
            // Vouch for the stamp only if it was already old when taken: a change within the same timestamp
            // tick as the one the stamp records would not move it.
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let newest = max(stamp.mtime.tv_sec, stamp.ctime.tv_sec)
            return now.tv_sec - newest >= 2 ? stamp : nil
        }
        markAvailable()
        if let reason {
            logger.info("\(label) rescan", metadata: [key: "\(inbox)", "reason": "\(reason)"])
        } else {
            logger.trace("\(label) rescan", metadata: [key: "\(inbox)"])
        }
        var present = Set<String>()
        for name in names {
            if observe(name, source: .scan) { present.insert(name) }
        }
        tracker.retainOnly(present)
    }

    /// The stamp of the directory at `path` (symlinks followed, as opendir does); nil when it cannot be stat'ed.
    static func directoryStamp(_ path: String) -> DirectoryStamp? {
        var info = stat()
        guard fstatat(AT_FDCWD, path, &info, 0) == 0 else { return nil }
        return DirectoryStamp(info)
    }

    /// The candidate names in `directory` (folder-contract §2 name rules), read with readdir(3): dot-names (rsync's
    /// temporaries, thousands of them in a busy inbox) are skipped before any string is made, so a
    /// rescan costs next to nothing for names that are never candidates.
    static let direntNameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!

    static func listCandidates(
        _ directory: String, isCandidate: (String) -> Bool = InboxNameFilter.isCandidate
    ) throws -> [String] {
        guard let dir = opendir(directory) else {
            throw FileError.system(.open, "cannot list the inbox", path: directory)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw FileError.system(.read, "cannot list the inbox", path: directory) }
                return names
            }
            // The name is read in place, up to its NUL. Not `entry.pointee.d_name`: that copies all 256 bytes
            // of the declared array, but a record in readdir's buffer is only as long as its name (d_reclen),
            // so the copy could run past the end of the buffer (a crash seen with 10,000 names).
            let cName = (UnsafeRawPointer(entry) + Self.direntNameOffset).assumingMemoryBound(to: CChar.self)
            guard cName.pointee != CChar(UInt8(ascii: ".")) else { continue }
            let name = String(cString: cName)
            if isCandidate(name) { names.append(name) }
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
        let readAll = configuration.readiness == .stableBatchFile
        tracker.observe(name, stamp: stamp, source: source, at: .now) {
            // A control file's content does not matter: it is never read.
            !readAll || InboxFileProbe.looksComplete(path, maxBytes: maxBytes)
        }
        return true
    }

    /// Re-checks names whose grace has run out, then reports whatever is ready.
    private mutating func settle(report: Report) async {
        let now = ContinuousClock.now
        for name in tracker.namesDueForRecheck(at: now) { observe(name, source: .recheck) }
        for name in tracker.takeReady(at: now) {
            logger.debug("\(label) candidate", metadata: [key: "\(inbox)", "name": "\(name)"])
            await report(name)
        }
    }

    // MARK: - Availability and the watch

    private mutating func addWatchIfNeeded() {
        guard watch == nil, let reader else { return }
        let wd = reader.addWatch(inbox, mask: configuration.eventMask)
        if wd >= 0 {
            watch = wd
            watchFailureLogged = false
            return
        }
        let error = errno
        // A missing directory is reported by the listing; anything else (watch limit reached) deserves its own line.
        if error != ENOENT && error != ENOTDIR && error != EACCES && !watchFailureLogged {
            watchFailureLogged = true
            logger.warning(
                "cannot watch the \(label) with inotify; relying on the scan",
                metadata: [key: "\(inbox)", "error": "\(String(cString: strerror(error)))"])
        }
    }

    private mutating func markUnavailable(error: String) {
        guard availability != .unavailable else { return }
        availability = .unavailable
        logger.warning(
            "\(label) missing or unreadable; waiting for it",
            metadata: [key: "\(inbox)", "error": "\(error)"])
    }

    private mutating func markAvailable() {
        if availability == .unavailable {
            logger.notice("\(label) available again", metadata: [key: "\(inbox)"])
        }
        availability = .available
    }
}
