/// The inbox's watcher: a `DirectoryWatcher` that reports batch files once their writer is done (folder-contract §2).
package typealias InboxWatcher = DirectoryWatcher

/// The inbox watcher's state machine (tests drive it by hand).
typealias InboxWatchLoop = DirectoryWatchLoop

extension DirectoryWatcher.Configuration {
    /// The inbox: `*.json` candidates, reported once stable.
    package init(
        inbox: String, rescanInterval: Duration = .seconds(5), incompleteGrace: Duration = .seconds(10),
        maxBytes: Int = 1 << 20, scanOnly: Bool = false
    ) {
        self.init(
            directory: inbox, rescanInterval: rescanInterval, incompleteGrace: incompleteGrace, maxBytes: maxBytes,
            scanOnly: scanOnly)
    }

    /// The inbox directory.
    package var inbox: String { directory }
}
