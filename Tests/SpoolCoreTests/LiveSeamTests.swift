import Foundation
import Testing

@testable import SpoolCore

@Suite("LiveSeam")
struct LiveSeamTests {
    /// Packets `range` of a made-up stream at 25 fps: hash "p<n>", decoding time from `start`.
    private func packets(_ range: Range<Int>, start: Double = 0) -> [LiveSeam.Packet] {
        range.enumerated().map { i, n in LiveSeam.Packet(dts: start + Double(i) / 25, hash: "p\(n)") }
    }

    @Test("the next part begins inside the previous one's tail: cut the previous part where the repeat starts")
    func overlap() {
        // The previous part's tail holds stream packets 100..<250 (times 10 s on), the next part starts at 200.
        let tail = packets(100..<250, start: 10)
        let head = packets(200..<400)
        #expect(LiveSeam.resolve(tail: tail, head: head) == .overlap(cutAt: 14, packets: 50))
    }

    @Test(
        "the earliest place that repeats to the end wins; a match that breaks off before the tail ends does not count")
    func earliestFullMatch() {
        // Packet p5 appears twice in the tail; only the second run repeats all the way to the end.
        var tail = packets(0..<40)
        tail[10].hash = "p205"
        let head = packets(205..<300)
        tail.append(contentsOf: packets(205..<235, start: 40.0 / 25))
        #expect(LiveSeam.resolve(tail: tail, head: head) == .overlap(cutAt: 40.0 / 25, packets: 30))
    }

    @Test("no packet in common (a gap), too short a match, or an empty part: no overlap")
    func noOverlap() {
        #expect(LiveSeam.resolve(tail: packets(0..<100), head: packets(150..<250)) == .noOverlap)
        // Only the last 10 packets repeat: fewer than the 25 needed.
        #expect(LiveSeam.resolve(tail: packets(0..<100), head: packets(90..<250)) == .noOverlap)
        #expect(LiveSeam.resolve(tail: [], head: packets(0..<10)) == .noOverlap)
        #expect(LiveSeam.resolve(tail: packets(0..<10), head: []) == .noOverlap)
        // The head's first packet is in the tail, but what follows differs (another stretch of the stream).
        var head = packets(50..<150)
        head[3].hash = "other"
        #expect(LiveSeam.resolve(tail: packets(0..<100), head: head) == .noOverlap)
    }

    @Test("the next part reaches back before the compared tail: the previous part is cut where its tail begins")
    func reachesBack() {
        // The whole previous part (stream packets 100..<250) is inside the next one (0..<900).
        #expect(LiveSeam.resolve(tail: packets(100..<250), head: packets(0..<900)) == .overlap(cutAt: 0, packets: 150))
        // Only the tail (30 s from 60 s on) was compared: cut there.
        #expect(
            LiveSeam.resolve(tail: packets(1500..<2250, start: 60), head: packets(1400..<2400))
                == .overlap(cutAt: 60, packets: 750))
        // Its last two packets cut short still count; a head that ends inside the tail does not (the
        // tail's end would be lost).
        var tail = packets(100..<250)
        tail[148].hash = "cut short"
        tail[149].hash = "cut short too"
        #expect(LiveSeam.resolve(tail: tail, head: packets(0..<900)) == .overlap(cutAt: 0, packets: 150))
        #expect(LiveSeam.resolve(tail: packets(100..<250), head: packets(50..<200)) == .noOverlap)
        // The tail's start is in the head but what follows differs: no overlap.
        tail[50].hash = "differs"
        #expect(LiveSeam.resolve(tail: tail, head: packets(0..<900)) == .noOverlap)
    }

    @Test(
        "the previous part's last packet or two may be cut short (stopped mid-segment); a third differing one is no match"
    )
    func truncatedEnd() {
        var tail = packets(0..<100)
        tail[98].hash = "cut short"
        tail[99].hash = "cut short too"
        #expect(LiveSeam.resolve(tail: tail, head: packets(60..<200)) == .overlap(cutAt: 60.0 / 25, packets: 40))
        tail[97].hash = "differs"
        #expect(LiveSeam.resolve(tail: tail, head: packets(60..<200)) == .noOverlap)
    }

    @Test(
        "a short next part repeated whole counts; a next part longer than the tail's rest is matched up to the tail's end"
    )
    func lengths() {
        #expect(
            LiveSeam.resolve(tail: packets(0..<100), head: packets(80..<90)) == .overlap(cutAt: 80.0 / 25, packets: 20))
        #expect(
            LiveSeam.resolve(tail: packets(0..<100), head: packets(60..<500)) == .overlap(cutAt: 60.0 / 25, packets: 40)
        )
    }

    @Test("a still picture across the join cannot be aligned: ambiguous, kept as recorded, and the note says so")
    func still() {
        let still = (0..<100).map { LiveSeam.Packet(dts: Double($0) / 25, hash: "same") }
        let resolution = LiveSeam.resolve(tail: still, head: Array(still.prefix(60)))
        #expect(resolution == .ambiguous)
        #expect(LiveSeam.unresolvedNote(resolution, part: 1)?.contains("parts 1 and 2 were joined as recorded") == true)
        #expect(LiveSeam.unresolvedNote(.noOverlap, part: 2)?.contains("parts 2 and 3 were joined as recorded") == true)
        #expect(LiveSeam.unresolvedNote(.overlap(cutAt: 1, packets: 25), part: 1) == nil)
    }

    @Test("framemd5 listings: stream 0's packets, times in its time base, other streams and comments skipped")
    func parsesFramemd5() {
        let text = """
            #format: frame checksums
            #version: 2
            #hash: MD5
            #tb 0: 1/12800
            #media_type 0: video
            #tb 1: 1/48000
            #stream#, dts,        pts, duration,     size, hash
            0,       6400,       6400,      512,     2817, 642a25064b0292a0ac4a4dd42500383c
            1,      24000,      24000,     1024,      214, 0d0a3e0b3c18a9b1c2ea8f2c3b6f9a11
            0,       6912,       6912,      512,      410, e67710156f7ec7fa8359538f55f14b7c

            """
        #expect(
            LiveSeam.packets(framemd5: text) == [
                .init(dts: 0.5, hash: "642a25064b0292a0ac4a4dd42500383c"),
                .init(dts: 0.54, hash: "e67710156f7ec7fa8359538f55f14b7c"),
            ])
        #expect(LiveSeam.packets(framemd5: "garbage\n0, x, y\n").isEmpty)
    }

    @Test("the concat list quotes paths and cuts a part at its outpoint; the checksum argv keeps the input after -i")
    func arguments() {
        let list = LiveSeam.concatList(parts: [
            (path: "/w/it's/a.mp4", outpoint: 12.5), (path: "/w/b.mp4", outpoint: nil),
        ])
        #expect(list == "ffconcat version 1.0\nfile '/w/it'\\''s/a.mp4'\noutpoint 12.500000\nfile '/w/b.mp4'\n")
        let tail = LiveSeam.checksumArguments(input: "-x.mp4", tail: true, output: "/w/t.framemd5")
        #expect(tail.contains("-sseof") && tail.contains("-copyts") && !tail.contains("-t"))
        #expect(tail[tail.firstIndex(of: "-i")! + 1] == "-x.mp4")
        #expect(tail.suffix(3) == ["-f", "framemd5", "/w/t.framemd5"])
        let head = LiveSeam.checksumArguments(input: "/w/b.mp4", tail: false, output: "/w/h.framemd5")
        #expect(head.contains("-t") && !head.contains("-sseof") && head.contains("copy"))
    }

    @Test("a reconnected part starts at the oldest listed segment; the option goes before the URL's --")
    func reconnect() {
        let args = LiveSeam.reconnectArguments(["--ignore-config", "-P", "/w/live-part-2", "--", "http://x/live.m3u8"])
        #expect(
            args == [
                "--ignore-config", "-P", "/w/live-part-2", "--downloader-args", "ffmpeg_i:-live_start_index 0", "--",
                "http://x/live.m3u8",
            ])
    }
}
