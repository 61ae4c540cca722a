import Testing

@testable import SpoolInbox

@Suite("StabilityTracker")
struct StabilityTrackerTests {
    let t0 = ContinuousClock.now
    let a = FileStamp(size: 10, mtimeNanoseconds: 1_000)
    let b = FileStamp(size: 20, mtimeNanoseconds: 2_000)

    func tracker() -> StabilityTracker {
        StabilityTracker(rescanInterval: .seconds(5), incompleteGrace: .seconds(10))
    }

    func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .milliseconds(Int(seconds * 1000)) }

    @Test("an event for a complete file is ready at once, and only once")
    func eventComplete() {
        var tracker = tracker()
        tracker.observe("x.json", stamp: a, source: .event, at: at(0)) { true }
        #expect(tracker.takeReady(at: at(0)) == ["x.json"])
        #expect(tracker.takeReady(at: at(100)).isEmpty)
        // A scan of the same file does not report it again.
        tracker.observe("x.json", stamp: a, source: .scan, at: at(101)) { true }
        #expect(tracker.takeReady(at: at(200)).isEmpty)
    }

    @Test("a new event with the same stamp (mv keeps mtime) reports again")
    func eventAgain() {
        var tracker = tracker()
        tracker.observe("x.json", stamp: a, source: .event, at: at(0)) { true }
        #expect(tracker.takeReady(at: at(0)) == ["x.json"])
        tracker.observe("x.json", stamp: a, source: .event, at: at(1)) { true }
        #expect(tracker.takeReady(at: at(1)) == ["x.json"])
    }

    @Test("an event for an incomplete file waits for the grace, restarted by every change")
    func eventIncomplete() {
        var tracker = tracker()
        tracker.observe("x.json", stamp: a, source: .event, at: at(0)) { false }
        #expect(tracker.takeReady(at: at(9.9)).isEmpty)
        #expect(tracker.namesDueForRecheck(at: at(9.9)).isEmpty)
        tracker.observe("x.json", stamp: b, source: .event, at: at(9.9)) { false }
        #expect(tracker.takeReady(at: at(15)).isEmpty)
        #expect(tracker.namesDueForRecheck(at: at(19.8)).isEmpty)
        #expect(tracker.namesDueForRecheck(at: at(19.9)) == ["x.json"])
        tracker.observe("x.json", stamp: b, source: .recheck, at: at(20)) {
            Issue.record("re-read")
            return false
        }
        #expect(tracker.takeReady(at: at(20)) == ["x.json"])
        #expect(tracker.namesDueForRecheck(at: at(30)).isEmpty)
    }

    @Test("a re-check that finds a new stamp falls back to the scan rule")
    func recheckChanged() {
        var tracker = tracker()
        tracker.observe("x.json", stamp: a, source: .event, at: at(0)) { false }
        tracker.observe("x.json", stamp: b, source: .recheck, at: at(10)) { false }
        #expect(tracker.takeReady(at: at(25)).isEmpty)  // no scan saw it unchanged yet
        tracker.observe("x.json", stamp: b, source: .scan, at: at(25)) { false }
        #expect(tracker.takeReady(at: at(25)) == ["x.json"])
    }

    @Test("a complete file found by a scan needs one more unchanged scan, an interval apart")
    func scanComplete() {
        var tracker = tracker()
        tracker.observe("x.json", stamp: a, source: .scan, at: at(0)) { true }
        #expect(tracker.takeReady(at: at(0)).isEmpty)
        #expect(tracker.takeReady(at: at(60)).isEmpty)  // time alone is not enough: a second scan must see it
        tracker.observe("x.json", stamp: a, source: .scan, at: at(5)) { true }
        #expect(tracker.takeReady(at: at(4.9)).isEmpty)
        #expect(tracker.takeReady(at: at(5)) == ["x.json"])
    }

    @Test("a scan that sees a changed stamp starts over")
    func scanChanged() {
        var tracker = tracker()
        tracker.observe("x.json", stamp: a, source: .scan, at: at(0)) { true }
        tracker.observe("x.json", stamp: b, source: .scan, at: at(5)) { true }
        #expect(tracker.takeReady(at: at(5)).isEmpty)
        tracker.observe("x.json", stamp: b, source: .scan, at: at(10)) { true }
        #expect(tracker.takeReady(at: at(10)) == ["x.json"])
    }

    @Test("an incomplete file found by a scan also waits for the grace")
    func scanIncomplete() {
        var tracker = tracker()
        tracker.observe("x.json", stamp: a, source: .scan, at: at(0)) { false }
        tracker.observe("x.json", stamp: a, source: .scan, at: at(5)) { false }
        #expect(tracker.takeReady(at: at(5)).isEmpty)
        #expect(tracker.takeReady(at: at(9.9)).isEmpty)
        #expect(tracker.takeReady(at: at(10)) == ["x.json"])
    }

    @Test("completeness is checked only for a new stamp")
    func readsOncePerStamp() {
        var tracker = tracker()
        var reads = 0
        for second in 0..<5 {
            tracker.observe("x.json", stamp: a, source: .scan, at: at(Double(second))) {
                reads += 1
                return true
            }
        }
        #expect(reads == 1)
        tracker.observe("x.json", stamp: b, source: .scan, at: at(6)) {
            reads += 1
            return true
        }
        #expect(reads == 2)
    }

    @Test("forget and retainOnly drop names; a name that comes back starts over")
    func forgetting() {
        var tracker = tracker()
        tracker.observe("x.json", stamp: a, source: .scan, at: at(0)) { true }
        tracker.observe("y.json", stamp: a, source: .scan, at: at(0)) { true }
        tracker.observe("z.json", stamp: a, source: .scan, at: at(0)) { true }
        tracker.retainOnly(["x.json", "y.json"])
        tracker.forget("y.json")
        #expect(tracker.entries.keys.sorted() == ["x.json"])
        tracker.observe("y.json", stamp: a, source: .scan, at: at(5)) { true }
        tracker.observe("x.json", stamp: a, source: .scan, at: at(5)) { true }
        #expect(tracker.takeReady(at: at(5)) == ["x.json"])
    }

    @Test("ready names come out sorted")
    func sorted() {
        var tracker = tracker()
        for name in ["c.json", "a.json", "b.json"] {
            tracker.observe(name, stamp: a, source: .event, at: at(0)) { true }
        }
        #expect(tracker.takeReady(at: at(0)) == ["a.json", "b.json", "c.json"])
    }
}
