import Glibc

/// What a scan remembers about a file to tell whether it is still changing: size and mtime.
package struct FileStamp: Sendable, Equatable {
    package var size: Int64
    package var mtimeNanoseconds: Int64

    package init(size: Int64, mtimeNanoseconds: Int64) {
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
    }

    init(_ info: stat) {
        size = Int64(info.st_size)
        mtimeNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }
}
