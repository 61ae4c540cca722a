import Foundation
import Testing

@testable import SpoolCore

@Suite("LiveRecordedTime")
struct LiveRecordedTimeTests {
    /// Packets `range` of a made-up stream at 25 fps: hash "p<n>", decoding time from `start`.
    private func packets(_ range: Range<Int>, start: Double = 0) -> [LiveSeam.Packet] {
        range.enumerated().map { i, n in LiveSeam.Packet(dts: start + Double(i) / 25, hash: "p\(n)") }
    }

    @Test("a part after a reconnect counts only the media past the seconds it repeats")
    func countsPastTheRepeat() {
        // 12 s recorded before the outage; the new part's first 5 s are in the part before.
        let time = LiveRecordedTime(offset: 12, repeated: 5)
        #expect(time.total(partSeconds: 3) == 12)
        #expect(time.total(partSeconds: 5) == 12)
        #expect(time.total(partSeconds: 9.5) == 16.5)
        // Not compared yet: nothing of the part counts until it runs past the window (all of it
        // may be repeated), then all of it does.
        let pending = LiveRecordedTime(offset: 12, repeated: nil)
        #expect(pending.total(partSeconds: 3) == 12)
        #expect(pending.total(partSeconds: Double(LiveSeam.window)) == 12)
        #expect(pending.total(partSeconds: Double(LiveSeam.window) + 1) == 12 + Double(LiveSeam.window) + 1)
    }

    @Test("recorded_s never steps back when the repeated seconds become known (CI saw 11 then 10)")
    func neverStepsBack() {
        // A part after a reconnect, compared at each of these part times with each possible repeat.
        for repeated in stride(from: 0.0, through: Double(LiveSeam.window), by: 0.5) {
            for at in stride(from: 0.0, through: Double(LiveSeam.window), by: 0.5) {
                let before = LiveRecordedTime(offset: 5, repeated: nil).total(partSeconds: at)
                let after = LiveRecordedTime(offset: 5, repeated: repeated).total(partSeconds: at)
                #expect(after >= before, "repeated \(repeated) known at part time \(at): \(before) → \(after)")
            }
        }
    }

    @Test("the cap is reached when the unique total reaches max_duration, not when the repeated seconds do")
    func capOnUniqueMedia() {
        let time = LiveRecordedTime(offset: 12, repeated: 5)
        #expect(!time.reachedCap(partSeconds: 8, maxDuration: 20))
        #expect(!time.reachedCap(partSeconds: 12.9, maxDuration: 20))
        #expect(time.reachedCap(partSeconds: 13, maxDuration: 20))
        #expect(!time.reachedCap(partSeconds: 1000, maxDuration: nil))
        // While the join is not compared, no cap (the repeated seconds are unknown) until the part has
        // run past the compared window; then its time counts whole.
        let pending = LiveRecordedTime(offset: 12, repeated: nil)
        #expect(!pending.reachedCap(partSeconds: 10, maxDuration: 20))
        #expect(pending.reachedCap(partSeconds: Double(LiveSeam.window) + 0.5, maxDuration: 20))
        // Nothing repeated (a gap): the plain count.
        #expect(LiveRecordedTime(offset: 12, repeated: 0).reachedCap(partSeconds: 8, maxDuration: 20))
    }

    @Test("the recorder's own cap leaves room for the most a part can repeat")
    func recorderCap() {
        #expect(LiveRecordedTime.recorderCap(remaining: 8) == 8 + Double(LiveSeam.window))
        #expect(LiveRecordedTime.recorderCap(remaining: nil) == nil)
    }

    @Test("the joined file is cut at max_duration (a last part stopped by spool runs on a little)")
    func joinCutAtCap() {
        let args = LivePlan.joinArguments(list: "/w/parts.ffconcat", output: "/w/recording.mp4", maxDuration: 24)
        #expect(args.last == "/w/recording.mp4")
        #expect(args.contains("-t") && args[args.firstIndex(of: "-t")! + 1] == "24")
        #expect(args.firstIndex(of: "-t")! > args.firstIndex(of: "-i")!, "-t must limit the output, not the list")
        #expect(!LivePlan.joinArguments(list: "/w/l", output: "/w/r.mkv").contains("-t"))
    }

    @Test("the repeated seconds, from the next part's head as recorded so far")
    func repeatedSeconds() {
        // The previous part's tail: stream packets 100..<250 (times 10 s on, last at 15.96 s).
        let tail = packets(100..<250, start: 10)
        // The next part begins at packet 200 (14 s in the previous part's time) and has gone on past 249.
        let repeated = LiveSeam.repeatedSeconds(tail: tail, head: packets(200..<300))
        #expect(abs((repeated ?? -1) - 2.0) < 1e-9, "\(String(describing: repeated))")
        // The head so far ends inside the repeated stretch: not known yet.
        #expect(LiveSeam.repeatedSeconds(tail: tail, head: packets(200..<240)) == nil)
        // Too few packets to compare.
        #expect(LiveSeam.repeatedSeconds(tail: tail, head: packets(200..<210)) == nil)
        // A gap, or a next part that begins exactly where the previous ended: nothing repeated.
        #expect(LiveSeam.repeatedSeconds(tail: tail, head: packets(300..<400)) == 0)
        #expect(LiveSeam.repeatedSeconds(tail: tail, head: packets(250..<350)) == 0)
        // A still picture at the join is joined as recorded: nothing is cut, nothing discounted.
        let still = (0..<150).map { LiveSeam.Packet(dts: 10 + Double($0) / 25, hash: "same") }
        let stillHead = (0..<100).map { LiveSeam.Packet(dts: Double($0) / 25, hash: "same") }
        #expect(LiveSeam.repeatedSeconds(tail: still, head: stillHead) == 0)
        // The next part reaches back before the compared tail: the whole tail is cut.
        let back = LiveSeam.repeatedSeconds(tail: tail, head: packets(0..<400))
        #expect(abs((back ?? -1) - 6.0) < 1e-9, "\(String(describing: back))")
    }
}
