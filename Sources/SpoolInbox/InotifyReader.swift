@preconcurrency import Dispatch
import Glibc
import SpoolFiles

/// Owns one non-blocking inotify descriptor and delivers its events from a Dispatch read source.
///
/// A class because it owns the descriptor and the source, which must be cancelled exactly once;
/// `@unchecked Sendable` because `DispatchSourceRead` is not Sendable, while every method here is
/// safe to call from any thread (inotify calls are thread-safe, the source serialises its handlers).
///
/// Used by the inbox watcher and by the control directories (`cancel/`, `retry/`); one descriptor can
/// hold several watches (each event carries its watch descriptor).
package final class InotifyReader: @unchecked Sendable {
    /// Everything the watcher asks the kernel for; `IN_Q_OVERFLOW` and `IN_IGNORED` arrive on their own.
    package static let watchMask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

    package let fd: Int32
    private let source: any DispatchSourceRead

    /// Opens the descriptor and starts reading; `deliver` is called on a private serial queue with each
    /// batch of parsed events. Returns nil (errno set) when inotify is unavailable.
    package init?(deliver: @escaping @Sendable ([InotifyEvent]) -> Void) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        self.fd = fd
        let queue = DispatchQueue(label: "spool.inbox.inotify")
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler {
            let events = Self.drain(fd)
            if !events.isEmpty { deliver(events) }
        }
        // The descriptor is closed only after the source can no longer read it.
        source.setCancelHandler { Glibc.close(fd) }
        source.activate()
    }

    /// Reads until EAGAIN; the buffer fits many events (each is 16 bytes + NAME_MAX + 1 at most), and the
    /// kernel returns whole events only, so every chunk parses on its own.
    private static func drain(_ fd: Int32) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        // Ends with EAGAIN (drained), or an error the next readiness will surface again.
        try? Posix.readChunks(fd, path: "inotify") { events += InotifyEventParser.parse($0) }
        return events
    }

    /// `inotify_add_watch` on `path` (the inbox's mask unless told); the watch descriptor, or -1 with errno set.
    package func addWatch(_ path: String, mask: UInt32 = InotifyReader.watchMask) -> Int32 {
        inotify_add_watch(fd, path, mask)
    }

    package func removeWatch(_ wd: Int32) {
        _ = inotify_rm_watch(fd, wd)
    }

    /// Stops reading and closes the descriptor (asynchronously, on the source's queue).
    package func close() {
        source.cancel()
    }
}
