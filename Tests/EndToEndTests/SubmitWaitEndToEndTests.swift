// Operator experience: `spool submit --wait` through a pseudo-terminal and without one.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - submit --wait

@Suite("Operator: spool submit --wait", .serialized, .timeLimit(.minutes(3)))
struct SubmitWaitTests {
    @Test("through a pseudo-terminal: bars redrawn in place advance to 100 %, colour, exit 0 when all complete")
    func underPTY() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("op-pty")
        try spool.start()
        let file = spool.base.appendingPathComponent("watched.json")
        let text = batchJSON(
            folder: "op/pty",
            jobs: [(lab.url("slow/70000/clipA.mp4"), "first clip"), (lab.url("slow/90000/clipB.mp4"), "second clip")])
        try Data(text.utf8).write(to: file)

        let began = Date()
        let (status, screen) = try runUnderPTY(
            spool.binary, ["submit", file.path, "--root", spool.root.path, "--allow-private-network", "--wait"])
        let took = Date().timeIntervalSince(began)
        #expect(status == 0, "exit \(status); screen:\n\(screen)\n\(spool.diagnostics())")

        // Redrawn in place: cursor up + erase below, cursor hidden then shown again.
        #expect(screen.contains("\u{1B}[?25l") && screen.contains("\u{1B}[?25h"), "cursor not hidden/shown")
        #expect(screen.range(of: "\u{1B}\\[[0-9]+A", options: .regularExpression) != nil, "no cursor-up redraw")
        #expect(screen.contains("\u{1B}[32m"), "no colour (green) on a colour terminal")
        #expect(screen.contains("█") && screen.contains("░"), "no bars")
        // Bars advance: for each job, shown percentages never go down, pass through the middle and end at 100.
        for label in ["first clip", "second clip"] {
            let shown = percentages(of: label, in: screen)
            #expect(shown.last == 100, "\(label): \(shown)")
            #expect(shown == shown.sorted(), "\(label) went backwards: \(shown)")
            #expect(shown.contains { $0 > 0 && $0 < 100 }, "\(label) never shown mid-way: \(shown)")
        }
        #expect(screen.contains("2/2 done"), "summary line")
        #expect(screen.contains("done: all 2 jobs completed"))
        #expect(screen.contains("out/op/pty/first clip.mp4"), "output path shown")
        // Two throttled downloads of ~3-4 s each; the rest is slack for two busy cores.
        #expect(took < 120, "submit --wait took \(took) s")
        // The jobs really completed.
        let receipt = try await spool.acceptedReceipt("watched")
        for id in receipt.jobIDs { #expect(spool.job(id)?["status"] as? String == "Completed") }
        if ProcessInfo.processInfo.environment["SPOOL_SCREEN_CAPTURE"] == "1" {
            try Data(screen.utf8).write(to: URL(fileURLWithPath: "/tmp/spool-submit-wait.screen"))
        }
        try await spool.stop()
    }

    @Test("without a terminal: one plain line per change, percentages advance, exit 1 when a job does not complete")
    func plainLines() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("op-plain")
        try spool.start()
        let file = spool.base.appendingPathComponent("plain.json")
        try Data(
            batchJSON(
                folder: "op/plain",
                jobs: [(lab.url("slow/70000/clipB.mp4"), "slow one"), (lab.url("status/404/gone.mp4"), "gone one")]
            ).utf8
        ).write(to: file)
        let result = try runCommand(
            spool.binary, ["submit", file.path, "--root", spool.root.path, "--allow-private-network", "--wait"],
            timeout: 90)
        #expect(result.status == 1, "exit \(result.status): \(result.output)\n\(spool.diagnostics())")
        #expect(!result.stdout.contains("\u{1B}"), "escape sequences in plain output")
        #expect(result.stdout.contains("plain.json: accepted as batch "))
        let shown = percentages(of: "slow one", in: result.stdout)
        #expect(shown.count >= 2 && shown == shown.sorted() && shown.last == 100, "slow one: \(shown)")
        #expect(shown.contains { $0 > 0 && $0 < 100 }, "never mid-way: \(shown)")
        // One line per change: no two consecutive identical lines.
        let lines = result.stdout.split(separator: "\n")
        #expect(zip(lines, lines.dropFirst()).allSatisfy { $0 != $1 }, "repeated lines:\n\(result.stdout)")
        #expect(lines.contains { $0.contains("gone one: Warning: ") }, "no Warning line:\n\(result.stdout)")
        #expect(result.stdout.contains("done: 1 of 2 jobs completed"))
        try await spool.stop()
    }

    @Test("exit 2 on rejection: locally invalid (not placed) and rejected by the service (receipt errors printed)")
    func rejections() async throws {
        let lab = try await sharedLab()
        let spool = try SpoolRoot("op-reject")
        // The service wants an API key; `submit` does not know the keys, so the service rejects.
        try Data(
            #"{"rescan_interval_s": 0.5, "retries": 0, "allow_private_network": true, "api_keys": ["k-op-123"]}"#.utf8
        ).write(to: spool.config)
        try spool.start()

        let invalid = spool.base.appendingPathComponent("invalid.json")
        try Data(#"{"jobs": [{"url": "ftp://example.com/a.mp4"}], "audio_onyl": true}"#.utf8).write(to: invalid)
        let local = try runCommand(
            spool.binary, ["submit", invalid.path, "--root", spool.root.path, "--wait"], timeout: 30)
        #expect(local.status == 2, "exit \(local.status): \(local.output)")
        #expect(local.stdout.contains("audio_onyl") && local.stdout.contains("jobs[0].url"), "\(local.output)")
        #expect(!listDir(spool.inbox).contains("invalid.json"))

        let keyless = spool.base.appendingPathComponent("keyless.json")
        try Data(batchJSON(jobs: [(lab.url("clipA.mp4"), nil)]).utf8).write(to: keyless)
        let remote = try runCommand(
            spool.binary, ["submit", keyless.path, "--root", spool.root.path, "--allow-private-network", "--wait"],
            timeout: 30)
        #expect(remote.status == 2, "exit \(remote.status): \(remote.output)\n\(spool.diagnostics())")
        #expect(remote.stdout.contains("keyless.json: rejected:"), "\(remote.output)")
        #expect(remote.stdout.contains("api_key: api_key is required"), "\(remote.output)")
        #expect(!remote.stdout.contains("k-op-123"))
        let receipt = try await spool.receipt("keyless")
        #expect(receipt["error"] != nil)
        try await spool.stop()
    }
}
