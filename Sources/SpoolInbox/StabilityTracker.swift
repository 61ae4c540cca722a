/// Pure bookkeeping of scan results: which names have kept the same stamp for long enough.
///
/// The watcher feeds it observations (from inotify events, periodic scans and re-checks) and asks it which
/// names are ready. Time is passed in, so tests drive it with hand-made instants.
package struct StabilityTracker: Sendable {
    /// Where an observation came from; the readiness rules differ (folder-contract §2).
    package enum Source: Sendable, Equatable {
        /// An `IN_CLOSE_WRITE`/`IN_MOVED_TO` for the name: a local writer says it is done.
        case event
        /// A periodic or overflow scan of the whole inbox.
        case scan
        /// A fresh `lstat` of a name waiting out its grace period; neither an event nor a scan.
        case recheck
    }

    /// What is known about one name.
    package struct Entry: Sendable, Equatable {
        package var stamp: FileStamp
        /// When this stamp was first observed.
        package var stableSince: ContinuousClock.Instant
        /// Scans that saw this same stamp after it was first observed.
        package var unchangedScans: Int
        /// Parses as JSON, or is over the size limit (and will be rejected unread).
        package var isComplete: Bool
        /// An inotify event arrived for this stamp.
        package var seenByEvent: Bool
        /// Already handed out for this stamp; not reported again until something changes.
        package var reported: Bool
    }

    /// When a name counts as ready.
    package enum Rule: Sendable, Equatable {
        /// folder-contract §2: a batch file is taken once its writer is done (`isReady`).
        case stable
        /// As soon as it is seen, once per stamp: a control file's name is all that matters.
        case immediate
    }

    package private(set) var entries: [String: Entry] = [:]
    package var rescanInterval: Duration
    package var incompleteGrace: Duration
    package var rule: Rule

    package init(rescanInterval: Duration, incompleteGrace: Duration, rule: Rule = .stable) {
        self.rescanInterval = rescanInterval
        self.incompleteGrace = incompleteGrace
        self.rule = rule
    }

    /// Records that `name` currently has `stamp`. `isComplete` is called only for a stamp not seen before,
    /// so an unchanged file is never re-read.
    package mutating func observe(
        _ name: String, stamp: FileStamp, source: Source, at now: ContinuousClock.Instant,
        isComplete: () -> Bool
    ) {
        if var entry = entries[name], entry.stamp == stamp {
            switch source {
            case .scan: entry.unchangedScans += 1
            case .event:
                // A new close or rename-in: a new file may carry the old stamp (mv keeps mtime), so judge afresh.
                entry.seenByEvent = true
                entry.reported = false
            case .recheck: break
            }
            entries[name] = entry
        } else {
            // A changed stamp without an event is a writer still at work: back to the cautious scan rule.
            entries[name] = Entry(
                stamp: stamp, stableSince: now, unchangedScans: 0, isComplete: isComplete(),
                seenByEvent: source == .event, reported: false)
        }
    }

    /// Forgets a name (it was claimed, deleted, or is no longer a candidate).
    package mutating func forget(_ name: String) {
        entries[name] = nil
    }

    /// After a complete scan: forgets every name the scan did not list. Never call it for a failed scan.
    package mutating func retainOnly(_ names: Set<String>) {
        entries = entries.filter { names.contains($0.key) }
    }

    /// Whether `entry` may be reported at `now`.
    package func isReady(_ entry: Entry, at now: ContinuousClock.Instant) -> Bool {
        guard !entry.reported else { return false }
        if rule == .immediate { return true }
        let unchangedFor = entry.stableSince.duration(to: now)
        // Rule 1: a local writer closed or renamed it in; take it now if complete, else after the grace.
        if entry.seenByEvent && (entry.isComplete || unchangedFor >= incompleteGrace) { return true }
        // Rule 2: found by a scan: unchanged for one more scan interval, and for the grace if not complete.
        return entry.unchangedScans >= 1 && unchangedFor >= rescanInterval
            && (entry.isComplete || unchangedFor >= incompleteGrace)
    }

    /// The names ready at `now`, sorted; marks them reported so they are handed out once per stamp.
    package mutating func takeReady(at now: ContinuousClock.Instant) -> [String] {
        let ready = entries.filter { isReady($0.value, at: now) }.keys.sorted()
        for name in ready { entries[name]?.reported = true }
        return ready
    }

    /// Names waiting out the grace after an event whose deadline has passed: the watcher re-`lstat`s them
    /// (a re-check) before they can be reported, because a writer may have kept writing without closing.
    package func namesDueForRecheck(at now: ContinuousClock.Instant) -> [String] {
        entries.filter { _, entry in
            !entry.reported && entry.seenByEvent && !entry.isComplete
                && entry.stableSince.duration(to: now) >= incompleteGrace
        }.keys.sorted()
    }
}
