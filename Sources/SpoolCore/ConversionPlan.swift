import Foundation

/// The ffmpeg invocation that turns a downloaded source into the requested output, and what
/// the output must look like afterwards (folder-contract §3 decisions: copy fallback, caps, accurate clips).
package struct ConversionPlan: Sendable, Equatable {
    /// Why a plan cannot run: the source has nothing of the kind asked for (status `Skipped`).
    package enum Refusal: Error, Sendable, Equatable {
        case noAudio
        case noVideo

        package var message: String {
            switch self {
            case .noAudio: "The source has no audio stream, so there is nothing to extract for audio_only."
            case .noVideo: "The source has no video stream; ask for an audio format with audio_only instead."
            }
        }
    }

    package var arguments: [String]
    /// ffprobe codec names the output must have (nil: no such stream).
    package var expectedVideoCodec: String?
    package var expectedAudioCodec: String?
    package var expectedDuration: Double?
    package var isClip: Bool
    package var transcodeReasons: [String]

    package var transcodeReason: String? { transcodeReasons.isEmpty ? nil : transcodeReasons.joined(separator: "; ") }

    package static func make(
        options: JobOptions, source: MediaInfo, input: String, output: String
    ) throws(Refusal) -> ConversionPlan {
        let container = Container(options.format)
        let clip = Clip(start: options.clipStart.flatMap(ClipTime.parse), end: options.clipEnd.flatMap(ClipTime.parse))
        var streams = Streams()
        if options.audioOnly {
            guard source.audio != nil else { throw .noAudio }
        } else {
            guard let video = source.video else { throw .noVideo }
            streams.chooseVideo(video, options: options, source: source, container: container, isClip: clip.isClip)
        }
        if let audio = source.audio {
            streams.chooseAudio(audio, options: options, source: source, container: container)
        }

        var args = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-progress", "pipe:1", "-nostats"]
        if let start = clip.start { args += ["-ss", Self.seconds(start)] }
        args += ["-i", input]
        var expected = source.duration
        if clip.isClip {
            let from = clip.start ?? 0
            let mediaEnd = source.duration ?? .infinity
            let to = min(clip.end ?? mediaEnd, mediaEnd)
            if let end = clip.end { args += ["-t", Self.seconds(max(0, end - from))] }
            expected = to.isFinite ? max(0, to - from) : nil
        }
        args += streams.maps + streams.codecArgs + ["-dn", "-sn"]
        if ["mp4", "mov", "m4a"].contains(options.format) { args += ["-movflags", "+faststart"] }
        args += ["-f", container.muxer, output]
        return ConversionPlan(
            arguments: args, expectedVideoCodec: streams.outVideo, expectedAudioCodec: streams.outAudio,
            expectedDuration: expected, isClip: clip.isClip, transcodeReasons: streams.reasons)
    }

    /// The clip bounds asked for, in seconds (nil: from the start / to the end).
    private struct Clip {
        var start: Double?
        var end: Double?
        var isClip: Bool { start != nil || end != nil }
    }

    /// The stream maps, codec arguments and output codecs chosen, and why anything is transcoded.
    private struct Streams {
        var maps: [String] = []
        var codecArgs: [String] = []
        var outVideo: String?
        var outAudio: String?
        var reasons: [String] = []

        /// Copies the video when the container holds it, no scaling is needed and no clip is cut; else encodes.
        mutating func chooseVideo(
            _ video: MediaInfo.Stream, options: JobOptions, source: MediaInfo, container: Container, isClip: Bool
        ) {
            maps += ["-map", "0:\(source.streams.firstIndex(of: video)!)"]
            var codec = options.videoCodec
            let cap = options.heightCap
            let side = source.shorterSide ?? 0
            let needsScale = cap.map { side > $0 } ?? false
            if codec == "copy" {
                if !container.holdsVideo(video.codec) {
                    codec = container.naturalVideoCodec
                    reasons.append("\(video.codec) video cannot be stored in \(options.format); encoded as \(codec)")
                } else if needsScale {
                    codec = container.naturalVideoCodec
                    reasons.append("the source is taller than \(cap!)p; scaled down and encoded as \(codec)")
                } else if isClip {
                    codec = container.naturalVideoCodec
                    reasons.append("re-encoded for an accurate clip")
                }
            }
            if codec == "copy" {
                codecArgs += ["-c:v", "copy"]
                outVideo = video.codec
            } else {
                codecArgs += ConversionPlan.videoEncoder(codec, crf: options.effectiveCRF, container: container)
                if needsScale, let cap, let w = video.width, let h = video.height {
                    codecArgs += ["-vf", w >= h ? "scale=-2:\(cap)" : "scale=\(cap):-2"]
                }
                outVideo = CodecName.probeName(forVideo: codec)
            }
        }

        /// Copies the audio when the container holds it; else encodes at the asked bitrate.
        mutating func chooseAudio(
            _ audio: MediaInfo.Stream, options: JobOptions, source: MediaInfo, container: Container
        ) {
            maps += ["-map", "0:\(source.streams.firstIndex(of: audio)!)"]
            var codec = options.audioCodec
            if codec == "copy" && !container.holdsAudio(audio.codec) {
                codec = container.naturalAudioCodec
                reasons.append("\(audio.codec) audio cannot be stored in \(options.format); encoded as \(codec)")
            }
            if codec == "copy" {
                codecArgs += ["-c:a", "copy"]
                outAudio = audio.codec
            } else {
                codecArgs += ConversionPlan.audioEncoder(codec) + ["-b:a", options.audioBitrate ?? "192k"]
                outAudio = CodecName.probeName(forAudio: codec)
            }
        }
    }

    static func videoEncoder(_ codec: String, crf: Int, container: Container) -> [String] {
        switch codec {
        case "h265":
            var args = [
                "-c:v", "libx265", "-preset", "ultrafast", "-crf", String(crf), "-x265-params", "log-level=error",
            ]
            if ["mp4", "mov"].contains(container.format) { args += ["-tag:v", "hvc1"] }
            return args + ["-pix_fmt", "yuv420p"]
        case "vp9":
            return [
                "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", String(crf), "-deadline", "realtime", "-cpu-used", "8",
                "-row-mt", "1", "-pix_fmt", "yuv420p",
            ]
        default:
            return ["-c:v", "libx264", "-preset", "veryfast", "-crf", String(crf), "-pix_fmt", "yuv420p"]
        }
    }

    static func audioEncoder(_ codec: String) -> [String] {
        switch codec {
        case "opus": ["-c:a", "libopus"]
        case "mp3": ["-c:a", "libmp3lame"]
        default: ["-c:a", "aac"]
        }
    }

    static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    /// Checks a finished output against the plan; returns a plain sentence for each mismatch.
    package func verify(_ output: MediaInfo) -> [String] {
        var problems: [String] = []
        if let v = expectedVideoCodec {
            if let got = output.video?.codec {
                if got != v { problems.append("the output's video is \(got), not \(v)") }
            } else {
                problems.append("the output has no video stream")
            }
        } else if output.video != nil {
            problems.append("the output has a video stream but should be audio only")
        }
        if let a = expectedAudioCodec {
            if let got = output.audio?.codec {
                if got != a { problems.append("the output's audio is \(got), not \(a)") }
            } else {
                problems.append("the output has no audio stream")
            }
        }
        if let expected = expectedDuration, expected > 0 {
            guard let got = output.duration, got > 0 else {
                problems.append("the output has no duration")
                return problems
            }
            let tolerance = isClip ? 0.15 : max(1.0, expected * 0.05)
            if abs(got - expected) > tolerance {
                problems.append(String(format: "the output lasts %.2f s instead of %.2f s", got, expected))
            }
        }
        return problems
    }
}
