import CSpoolFiles

/// Tells whether a path lives on a network filesystem, where inotify misses other clients' writes.
package enum FilesystemKind {
    /// `statfs` f_type magic numbers of network and cluster filesystems (linux/magic.h and vendors).
    static let networkMagics: Set<UInt32> = [
        0x6969,  // NFS
        0x517B,  // SMB
        0xFF53_4D42,  // CIFS
        0xFE53_4D42,  // SMB2
        0x6573_5546,  // FUSE (sshfs, s3fs, rclone, ...)
        0x7375_7245,  // CODA
        0x5346_414F,  // AFS (OpenAFS)
        0x6B41_4653,  // kAFS
        0x00C3_6400,  // Ceph
        0x0102_1997,  // 9P / v9fs
        0x0116_1970,  // GFS2
        0x7461_636F,  // OCFS2
        0x0000_564C,  // NCP
        0x0BD0_0BD0,  // Lustre
        0x4750_4653,  // GPFS
        0x2003_0528,  // OrangeFS / PVFS2
    ]

    /// True when `statfs(path)` reports a network or cluster filesystem; false when it cannot tell.
    package static func isNetwork(path: String) -> Bool {
        guard let type = filesystemType(of: path) else { return false }
        return isNetwork(filesystemType: type)
    }

    /// The `statfs(2)` f_type of the filesystem holding `path`, or nil when it cannot be read.
    package static func filesystemType(of path: String) -> UInt32? {
        var type: UInt64 = 0
        guard CSpoolFiles_statfs_type(path, &type) == 0 else { return nil }
        return UInt32(truncatingIfNeeded: type)
    }

    /// True when a `statfs` f_type magic number is a network or cluster filesystem.
    package static func isNetwork(filesystemType: UInt32) -> Bool {
        networkMagics.contains(filesystemType)
    }
}
