/// One inotify event as read from the inotify file descriptor.
package struct InotifyEvent: Sendable, Equatable {
    /// The watch descriptor, or -1 for `IN_Q_OVERFLOW`.
    package var wd: Int32
    package var mask: UInt32
    package var cookie: UInt32
    /// The file name inside the watched directory; empty for events about the directory itself.
    package var name: String

    package init(wd: Int32, mask: UInt32, cookie: UInt32 = 0, name: String = "") {
        self.wd = wd
        self.mask = mask
        self.cookie = cookie
        self.name = name
    }

    package func has(_ flag: Int32) -> Bool { mask & UInt32(bitPattern: flag) != 0 }
}
