import Foundation
import Testing

@testable import SpoolCore

@Suite("Batch file: contradictions")
struct BatchValidatorContradictionTests {
    @Test(arguments: [
        // folder-contract §3: audio format without audio_only, video format with audio_only.
        RuleCase(
            #""format": "mp3""#, "format",
            "format mp3 is an audio format, so it needs audio_only; set audio_only to true or choose mp4, mkv, webm or mov"
        ),
        RuleCase(
            #""format": "m4a", "audio_only": false"#, "format",
            "format m4a is an audio format, so it needs audio_only; set audio_only to true or choose mp4, mkv, webm or mov"
        ),
        RuleCase(
            #""format": "mp4", "audio_only": true"#, "format",
            "format mp4 is a video format but audio_only is true; choose m4a, mp3, ogg or opus or set audio_only to false"
        ),
        // A video encoder with no video to encode.
        RuleCase(
            #""audio_only": true, "video_codec": "h264""#, "video_codec",
            "video_codec h264 cannot be used with audio_only, which writes no video; remove video_codec or set audio_only to false"
        ),
        // folder-contract §3 codec/container pairs.
        RuleCase(
            #""format": "webm", "video_codec": "h264""#, "video_codec",
            "format webm cannot hold h264 video; use video_codec vp9 or format mp4, mkv or mov"),
        RuleCase(
            #""format": "webm", "video_codec": "h265""#, "video_codec",
            "format webm cannot hold h265 video; use video_codec vp9 or format mp4, mkv or mov"),
        RuleCase(
            #""format": "webm", "audio_codec": "aac""#, "audio_codec",
            "format webm cannot hold aac audio; use audio_codec opus or copy or format mp4, mkv or mov"),
        RuleCase(
            #""format": "webm", "audio_codec": "mp3""#, "audio_codec",
            "format webm cannot hold mp3 audio; use audio_codec opus or copy or format mp4, mkv or mov"),
        RuleCase(
            #""format": "mp3", "audio_only": true, "audio_codec": "opus""#, "audio_codec",
            "format mp3 cannot hold opus audio; use audio_codec mp3 or copy or format ogg or opus"),
        RuleCase(
            #""format": "mp3", "audio_only": true, "audio_codec": "aac""#, "audio_codec",
            "format mp3 cannot hold aac audio; use audio_codec mp3 or copy or format m4a"),
        RuleCase(
            #""format": "ogg", "audio_only": true, "audio_codec": "aac""#, "audio_codec",
            "format ogg cannot hold aac audio; use audio_codec opus or copy or format m4a"),
        RuleCase(
            #""format": "ogg", "audio_only": true, "audio_codec": "mp3""#, "audio_codec",
            "format ogg cannot hold mp3 audio; use audio_codec opus or copy or format mp3"),
        RuleCase(
            #""format": "opus", "audio_only": true, "audio_codec": "aac""#, "audio_codec",
            "format opus cannot hold aac audio; use audio_codec opus or copy or format m4a"),
        RuleCase(
            #""format": "opus", "audio_only": true, "audio_codec": "mp3""#, "audio_codec",
            "format opus cannot hold mp3 audio; use audio_codec opus or copy or format mp3"),
        // Pairs ffmpeg 5.1 refuses to write ("vp9 only supported in MP4", "opus only supported in MP4", ipod muxer).
        RuleCase(
            #""format": "mov", "video_codec": "vp9""#, "video_codec",
            "format mov cannot hold vp9 video (ffmpeg cannot write it); use video_codec h264 or h265 or format mp4, mkv or webm"
        ),
        RuleCase(
            #""format": "mov", "audio_codec": "opus""#, "audio_codec",
            "format mov cannot hold opus audio (ffmpeg cannot write it); use audio_codec aac, mp3 or copy or format mp4, mkv or webm"
        ),
        RuleCase(
            #""audio_only": true, "audio_codec": "opus""#, "audio_codec",
            "format m4a (the default with audio_only) cannot hold opus audio (ffmpeg cannot write it); use audio_codec aac or copy or format ogg or opus"
        ),
        RuleCase(
            #""format": "m4a", "audio_only": true, "audio_codec": "mp3""#, "audio_codec",
            "format m4a cannot hold mp3 audio (ffmpeg cannot write it); use audio_codec aac or copy or format mp3"),
    ])
    func contradiction(rule: RuleCase) {
        #expect(
            BatchFixture.errors(BatchFixture.json(rule.members)) == [
                FieldError(field: rule.field, message: rule.message)
            ])
    }

    @Test(arguments: [
        #""format": "mp4", "video_codec": "vp9", "audio_codec": "opus""#,
        #""format": "mp4", "video_codec": "h265", "audio_codec": "mp3""#,
        #""format": "mkv", "video_codec": "vp9", "audio_codec": "aac""#,
        #""format": "webm", "video_codec": "vp9", "audio_codec": "opus""#,
        #""format": "mov", "video_codec": "h265", "audio_codec": "mp3""#,
        #""format": "webm""#,
        #""format": "ogg", "audio_only": true, "audio_codec": "opus""#,
        #""format": "mp3", "audio_only": true, "audio_codec": "mp3", "audio_bitrate": "320k""#,
        #""audio_only": true, "audio_codec": "aac""#,
        #""audio_only": true, "video_codec": "copy""#,
    ])
    func compatibleCombinationsPass(members: String) {
        #expect(BatchFixture.request(BatchFixture.json(members)) != nil)
    }
}
