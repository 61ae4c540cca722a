import Foundation

/// The pure half of joining the parts of a live recording without repeated media (issue 16):
/// where the next part's first packets already are in the previous part, found by packet
/// checksums, and the concat list that cuts the previous part there.
///
/// Why checksums and not timestamps (tool-behaviour §1, measured): yt-dlp records through ffmpeg,
/// which starts each part's timestamps at 0 and keeps neither the HLS media sequence nor
/// `#EXT-X-PROGRAM-DATE-TIME`, so nothing in a part says which stream time it holds. The parts are
/// stream copies of the same segments, though, so a packet recorded twice has the same bytes in
/// both parts: ffmpeg's `framemd5` with `-c copy` lists them without decoding.
package enum LiveSeam {
    /// One packet of a `framemd5` listing: its decoding time (seconds) and checksum.
    package struct Packet: Sendable, Equatable {
        package var dts: Double
        package var hash: String

        package init(dts: Double, hash: String) {
            self.dts = dts
            self.hash = hash
        }
    }

    /// What the join of two parts came to.
    package enum Resolution: Sendable, Equatable {
        /// The next part starts with `packets` packets the previous one already holds, from its
        /// time `cutAt` (seconds, the previous part's own timestamps) on: cut it there.
        case overlap(cutAt: Double, packets: Int)
        /// The next part's start is not in the previous part's tail: a gap, or more than the
        /// compared window was recorded twice.
        case noOverlap
        /// The media at the join repeats one picture (a still, a black screen): the overlap
        /// cannot be told from the content.
        case ambiguous
    }

    /// Seconds of each part compared at a join: the previous part's last, the next part's first.
    /// An overlap is at most the server's playlist window (a few segments, typically under 30 s).
    package static let window = 30

    /// The fewest packets that must match for an overlap to count (a second of 25 fps video).
    package static let minimumPackets = 25

    /// ffmpeg listing the packet checksums of the first stream (video, else audio) of `input`:
    /// its last `window` seconds (`-sseof`, timestamps kept with `-copyts` so a cut time is in
    /// the part's own terms) or its first (`-t`). An argv, never a shell; `output` in the work
    /// directory.
    package static func checksumArguments(input: String, tail: Bool, output: String) -> [String] {
        var args = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
        args += tail ? ["-sseof", "-\(window)", "-copyts"] : ["-t", String(window)]
        return args + ["-i", input, "-map", "0:v:0?", "-map", "0:a:0?", "-c", "copy", "-f", "framemd5", output]
    }

    /// The packets of stream 0 in a `framemd5` listing (`#tb 0: 1/12800` gives its time base;
    /// lines are `stream, dts, pts, duration, size, hash`).
    package static func packets(framemd5 text: String) -> [Packet] {
        var timeBase = (num: 1.0, den: 1.0)
        var packets: [Packet] = []
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("#tb 0:") {
                let fraction = line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: "/")
                if fraction.count == 2, let n = Double(fraction[0]), let d = Double(fraction[1]), d > 0 {
                    timeBase = (n, d)
                }
                continue
            }
            if line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 6, fields[0] == "0", let dts = Double(fields[1]), !fields[5].isEmpty else {
                continue
            }
            packets.append(Packet(dts: dts * timeBase.num / timeBase.den, hash: fields[5]))
        }
        return packets
    }

    /// Packets at the very end of the previous part that may differ from the next part's copy:
    /// a recorder stopped by an outage in the middle of a segment can leave its last frame cut
    /// short.
    package static let truncatedEnd = 2

    /// Where `head` (the next part's first packets) begins inside `tail` (the previous part's last
    /// packets) such that everything from there to the end of `tail` (but its last
    /// `truncatedEnd` packets) is repeated, packet for packet, at the start of `head`. The
    /// earliest such place wins (the longest overlap); at least `minimumPackets` must match (all
    /// of `head` when it is shorter), and they must not all be one picture.
    package static func resolve(tail: [Packet], head: [Packet]) -> Resolution {
        guard let first = head.first, !tail.isEmpty else { return .noOverlap }
        let needed = min(minimumPackets, head.count)
        for start in tail.indices where tail[start].hash == first.hash {
            let compared = min(tail.count - start, head.count)
            guard compared >= needed else { break }
            let matched = (0..<compared).first { tail[start + $0].hash != head[$0].hash } ?? compared
            let reachesEnd = matched == head.count || start + matched >= tail.count - truncatedEnd
            guard matched >= needed, reachesEnd else { continue }
            if Set(head.prefix(matched).map(\.hash)).count < 2 { return .ambiguous }
            return .overlap(cutAt: tail[start].dts, packets: tail.count - start)
        }
        return resolveReachingBack(tail: tail, head: head, needed: needed)
    }

    /// The next part reaches back before the compared tail (a playlist window longer than the
    /// part before, measured with a 20-s window): the whole tail is repeated inside `head`, so the
    /// previous part is cut where the tail begins (a cut at its first packet leaves nothing of it;
    /// a part longer than `window` may still repeat what came before its tail).
    private static func resolveReachingBack(tail: [Packet], head: [Packet], needed: Int) -> Resolution {
        let first = tail[0]
        for start in head.indices.dropFirst() where head[start].hash == first.hash {
            let compared = min(head.count - start, tail.count)
            guard compared >= needed else { break }
            let matched = (0..<compared).first { head[start + $0].hash != tail[$0].hash } ?? compared
            // All of the tail must be there: a head that ends inside it would lose the tail's end.
            guard matched >= needed, matched >= tail.count - truncatedEnd else { continue }
            if Set(tail.prefix(matched).map(\.hash)).count < 2 { return .ambiguous }
            return .overlap(cutAt: first.dts, packets: tail.count)
        }
        return .noOverlap
    }

    /// The concat demuxer's list: each part quoted (a `'` becomes `'\''`), with an `outpoint`
    /// where the part is cut (ffmpeg drops its packets from that decoding time on).
    package static func concatList(parts: [(path: String, outpoint: Double?)]) -> String {
        var text = "ffconcat version 1.0\n"
        for part in parts {
            text += "file '" + part.path.replacingOccurrences(of: "'", with: "'\\''") + "'\n"
            if let outpoint = part.outpoint { text += "outpoint " + String(format: "%.6f", outpoint) + "\n" }
        }
        return text
    }

    /// The recorder's options for a part after a reconnect: start at the oldest segment the
    /// playlist still lists instead of three behind the live edge (tool-behaviour §1), so what
    /// was missed during the outage is recorded when the server still has it; what the earlier
    /// part already holds is then cut at the join.
    package static let reconnectRecorderOptions = ["--downloader-args", "ffmpeg_i:-live_start_index 0"]

    /// `record` with the reconnect options inserted before the `--` that precedes the URL.
    package static func reconnectArguments(_ record: [String]) -> [String] {
        guard let dash = record.lastIndex(of: "--") else { return record + reconnectRecorderOptions }
        var args = record
        args.insert(contentsOf: reconnectRecorderOptions, at: dash)
        return args
    }

    /// The status note for a join that could not be made seamless (1-based part numbers).
    package static func unresolvedNote(_ resolution: Resolution, part: Int) -> String? {
        switch resolution {
        case .overlap: return nil
        case .noOverlap:
            return
                "parts \(part) and \(part + 1) were joined as recorded: part \(part + 1) does not begin with media from the end of part \(part), so it begins where part \(part) ended or later; what the stream sent in between, if anything, the server no longer had and is missing"
        case .ambiguous:
            return
                "parts \(part) and \(part + 1) were joined as recorded: the media at the join is a still picture, so seconds recorded twice could not be told apart"
        }
    }
}
