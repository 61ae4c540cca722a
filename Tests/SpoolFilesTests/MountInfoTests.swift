import Testing

@testable import SpoolFiles

@Suite("MountInfo and FlockHolder: /proc parsers")
struct MountInfoTests {
    static let sample = """
        22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,errors=remount-ro
        35 22 0:31 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
        101 22 0:52 / /srv/inbox rw,relatime shared:60 - nfs4 files:/export/inbox rw,vers=4.2,rsize=1048576,hard,proto=tcp,lookupcache=none,addr=10.0.0.5
        102 22 0:53 / /srv/cached rw,relatime - nfs files:/export/c rw,vers=3,hard,addr=10.0.0.5
        103 22 0:54 / /srv/positive rw,relatime - nfs4 files:/export/p rw,vers=4.1,lookupcache=pos,lookupcache=positive
        104 22 0:55 / /mnt/with\\040space rw - tmpfs tmpfs rw,size=100k
        garbage line
        """

    @Test("each line: mount point, type, source and options (per-mount and super); bad lines skipped")
    func parse() {
        let entries = MountInfo.parse(Self.sample)
        #expect(entries.count == 6)
        #expect(
            entries.map(\.mountPoint) == [
                "/", "/proc", "/srv/inbox", "/srv/cached", "/srv/positive", "/mnt/with space",
            ])
        #expect(entries[2].fsType == "nfs4" && entries[2].source == "files:/export/inbox")
        #expect(entries[2].option("vers") == "4.2" && entries[0].option("errors") == "remount-ro")
    }

    @Test("lookupcache: none, positive, the default all when absent; nil off NFS")
    func lookupCache() {
        let entries = MountInfo.parse(Self.sample)
        #expect(entries[2].nfsLookupCache == "none")
        #expect(entries[3].nfsLookupCache == "all")
        #expect(entries[4].nfsLookupCache == "positive")
        #expect(entries[0].nfsLookupCache == nil && entries[5].nfsLookupCache == nil)
    }

    @Test("a path's mount is its longest mount point prefix, by whole components")
    func mountOfPath() {
        let entries = MountInfo.parse(Self.sample)
        #expect(MountInfo.mount(of: "/srv/inbox", in: entries)?.mountPoint == "/srv/inbox")
        #expect(MountInfo.mount(of: "/srv/inbox/sub/x.json", in: entries)?.mountPoint == "/srv/inbox")
        #expect(MountInfo.mount(of: "/srv/inboxes", in: entries)?.mountPoint == "/")
        #expect(MountInfo.mount(of: "/mnt/with space/a", in: entries)?.fsType == "tmpfs")
    }

    @Test("the flock holder of an inode; POSIX locks and blocked waiters are not holders")
    func flockHolder() {
        let locks = """
            1: FLOCK  ADVISORY  WRITE 16563 fe:00:16223119 0 EOF
            1: -> FLOCK  ADVISORY  WRITE 999 fe:00:16223119 0 EOF
            2: POSIX  ADVISORY  WRITE 17787 fe:00:5753111 1073741824 1073742335
            3: FLOCK  ADVISORY  WRITE 17787 fe:00:16227257 0 EOF
            """
        #expect(FlockHolder.pid(inode: 16_223_119, in: locks) == 16563)
        #expect(FlockHolder.pid(inode: 16_227_257, in: locks) == 17787)
        #expect(FlockHolder.pid(inode: 5_753_111, in: locks) == nil)
        #expect(FlockHolder.pid(inode: 1, in: locks) == nil)
    }
}
