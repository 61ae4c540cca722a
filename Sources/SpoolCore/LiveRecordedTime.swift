import Foundation

/// The unique media a live recording holds while a part recorded after a reconnect is running.
///
/// Such a part starts at the oldest segment the playlist lists (`LiveSeam`), so its first seconds
/// are often already in the part before and are cut at the join. Counting them would end the
/// recording early: a `max_duration` recording that reconnected came out shorter by the seconds
/// cut, and reported `stream_ended`. So a part's time counts only past what it repeats, and a
/// part after a reconnect is capped by spool (the recorder's own cap is raised by what it may
/// repeat, `recorderCap`) once the unique total reaches `max_duration`.
package struct LiveRecordedTime: Sendable, Equatable {
    /// Unique seconds of the parts before this one.
    package var offset: Double
    /// Seconds at the start of this part that the part before already holds; nil while the
    /// join has not been compared yet.
    package var repeated: Double?

    package init(offset: Double, repeated: Double?) {
        self.offset = offset
        self.repeated = repeated
    }

    /// The recording's unique seconds when this part's recorder reports `partSeconds`. While the
    /// join is not compared, the part's first `LiveSeam.window` seconds may all be repeated, so they
    /// do not count yet: the figure people watch (`recorded_s`) then never steps back when the
    /// repeated seconds become known. Past the window the part's time counts whole, as for the cap.
    package func total(partSeconds: Double) -> Double {
        offset + max(0, partSeconds - counted(partSeconds: partSeconds))
    }

    /// The seconds of this part not counted: the repeated ones, or while unknown the whole window
    /// (nothing once the part has run past it).
    private func counted(partSeconds: Double) -> Double {
        if let repeated { return repeated }
        return partSeconds > Double(LiveSeam.window) ? 0 : Double(LiveSeam.window)
    }

    /// Whether the unique total has reached `maxDuration`. Not while the join is still being
    /// compared (the repeated seconds are not known), unless the part has run past what can be
    /// compared (`LiveSeam.window`): then its time counts whole.
    package func reachedCap(partSeconds: Double, maxDuration: Int?) -> Bool {
        guard let maxDuration else { return false }
        guard repeated != nil || partSeconds > Double(LiveSeam.window) else { return false }
        return total(partSeconds: partSeconds) >= Double(maxDuration)
    }

    /// The recorder's own cap for a part after a reconnect: what is left of `max_duration` plus
    /// the most the part can repeat (the compared window), so the recorder does not stop before
    /// spool's count of unique media reaches the cap.
    package static func recorderCap(remaining: Double?) -> Double? {
        remaining.map { $0 + Double(LiveSeam.window) }
    }
}

extension LiveSeam {
    /// Seconds at the start of the next part that the previous part already holds, judged from
    /// what of the next part is recorded so far (`head`, its first packets; `tail`, the previous
    /// part's last). Nil while it cannot be told yet: fewer than `minimumPackets`, or the head
    /// ends inside the repeated stretch. 0 when the next part does not begin inside the previous
    /// one (a gap or an exact fit), or the join is a still picture (left as recorded).
    package static func repeatedSeconds(tail: [Packet], head: [Packet]) -> Double? {
        guard head.count >= minimumPackets, let last = tail.last else { return nil }
        switch resolve(tail: tail, head: head) {
        case .overlap(let cutAt, let packets):
            // The head must go on past the repeated packets, or more of it may still be repeated.
            guard head.count > packets else { return nil }
            let frame = tail.count > 1 ? max(0, last.dts - tail[tail.count - 2].dts) : 0
            return max(0, last.dts + frame - cutAt)
        case .noOverlap, .ambiguous:
            return 0
        }
    }

    /// ffmpeg copying the first `window` seconds of a part still being recorded (MPEG-TS, as the
    /// recorder writes a live stream) into `output`, a file of the finished parts' container
    /// (its extension). Packet checksums only match within one container: MPEG-TS holds H.264
    /// with start codes, MP4 and Matroska with lengths (measured: every non-key frame differed),
    /// so the part is remuxed the way yt-dlp finishes it (`aac_adtstoasc` for MP4) before its
    /// packets are compared with the finished part before. An argv, never a shell.
    package static func growingHeadArguments(input: String, output: String) -> [String] {
        var args = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-t", String(window), "-i", input]
        args += ["-map", "0:v:0?", "-map", "0:a:0?", "-c", "copy"]
        let ext = (output as NSString).pathExtension.lowercased()
        if ["mp4", "m4a", "mov"].contains(ext) { args += ["-bsf:a", "aac_adtstoasc"] }
        return args + [output]
    }
}
