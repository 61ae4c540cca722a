import Foundation
import Testing

@testable import SpoolCore

@Suite("Batch file: one rule at a time")
struct BatchValidatorFieldTests {
    // MARK: - jobs

    @Test(arguments: [
        RuleCase(#""jobs": null"#, "jobs", #"jobs is required; add an array of {"url": …} items"#),
        RuleCase(
            #""jobs": {"url": "https://example.com"}"#, "jobs",
            #"jobs must be an array of {"url": …} items, not an object"#),
        RuleCase(#""jobs": []"#, "jobs", "jobs must contain at least 1 item; add the URLs to download"),
        RuleCase(
            #""jobs": ["https://example.com"]"#, "jobs[0]",
            #"each job must be an object such as {"url": "https://…"}, not a string"#),
        RuleCase(#""jobs": [{}]"#, "jobs[0].url", "url is required; add the http or https URL to download"),
        RuleCase(#""jobs": [{"url": 5}]"#, "jobs[0].url", "url must be a string, not a number"),
    ])
    func jobsShape(rule: RuleCase) {
        let data = Data("{\(rule.members)}".utf8)
        #expect(BatchFixture.errors(data) == [FieldError(field: rule.field, message: rule.message)])
    }

    @Test func missingJobs() {
        #expect(
            BatchFixture.errors(Data("{}".utf8)) == [
                FieldError(field: "jobs", message: #"jobs is required; add an array of {"url": …} items"#)
            ])
    }

    @Test func tooManyJobs() {
        let items = Array(repeating: #"{"url": "https://example.com/v"}"#, count: 101).joined(separator: ",")
        #expect(
            BatchFixture.errors(BatchFixture.json(jobs: "[\(items)]")) == [
                FieldError(
                    field: "jobs",
                    message: "jobs has 101 items but at most 100 are allowed; split the batch into several files")
            ])
        let hundred = Array(repeating: #"{"url": "https://example.com/v"}"#, count: 100).joined(separator: ",")
        #expect(BatchFixture.request(BatchFixture.json(jobs: "[\(hundred)]"))?.jobs.count == 100)
    }

    @Test func maxJobsComesFromSettings() {
        let items =
            #"[{"url": "https://example.com/1"}, {"url": "https://example.com/2"}, {"url": "https://example.com/3"}]"#
        let errors = BatchFixture.errors(BatchFixture.json(jobs: items), settings: .init(maxJobs: 2))
        #expect(
            errors.map(\.message) == ["jobs has 3 items but at most 2 are allowed; split the batch into several files"])
    }

    // MARK: - jobs[].url

    static let longURL = "https://example.com/" + String(repeating: "a", count: 2029)

    @Test(arguments: [
        ("ftp://example.com/v", "only http and https URLs are accepted"),
        ("file:///etc/passwd", "only http and https URLs are accepted"),
        ("javascript:alert(1)", "only http and https URLs are accepted"),
        ("example.com/v", "url is not a valid URL; give a full URL such as https://example.com/video"),
        ("https:///path", "url has no host; give a full URL such as https://example.com/video"),
        ("", "url must not be empty; give the http or https URL to download"),
        (
            "https://example.com/a b",
            "url must not contain whitespace or control characters; percent-encode them (a space is %20)"
        ),
        (
            "https://example.com/a\tb",
            "url must not contain whitespace or control characters; percent-encode them (a space is %20)"
        ),
        (
            "https://example.com/\u{7}",
            "url must not contain whitespace or control characters; percent-encode them (a space is %20)"
        ),
        (
            "https://example.com/\u{202E}",
            "url must not contain whitespace or control characters; percent-encode them (a space is %20)"
        ),
        ("-https://example.com", "url must not start with '-'"),
        ("--exec=rm", "url must not start with '-'"),
        (longURL, "url must be at most 2048 characters, not 2049"),
    ])
    func badURL(url: String, message: String) throws {
        let item = try JSONSerialization.data(withJSONObject: [["url": url]])
        let data = BatchFixture.json(jobs: String(decoding: item, as: UTF8.self))
        #expect(BatchFixture.errors(data) == [FieldError(field: "jobs[0].url", message: message)])
    }

    @Test(arguments: [
        "https://example.com/v", "HTTPS://EXAMPLE.COM/v", "http://127.0.0.1:8080/x.mp4", String(longURL.dropLast()),
    ])
    func goodURL(url: String) throws {
        let item = try JSONSerialization.data(withJSONObject: [["url": url]])
        #expect(
            BatchFixture.request(BatchFixture.json(jobs: String(decoding: item, as: UTF8.self)))?.jobs.first?.url == url
        )
    }

    @Test func literalPrivateAddressesCanBeRefusedWithoutDNS() {
        let settings = ValidationSettings(refuseLiteralPrivateAddresses: true)
        let jobs =
            #"[{"url": "http://127.0.0.1/a"}, {"url": "http://[::1]/b"}, {"url": "http://8.8.8.8/c"}, {"url": "http://localhost/d"}]"#
        let errors = BatchFixture.errors(BatchFixture.json(jobs: jobs), settings: settings)
        #expect(errors.map(\.field) == ["jobs[0].url", "jobs[1].url"])
        #expect(
            errors.first?.message
                == "url points at 127.0.0.1, a loopback, private or link-local address, which is refused unless allow_private_network is set"
        )
    }

    // MARK: - jobs[].filename

    @Test(arguments: [
        (#""a..b""#, "filename must not contain '..'; give a plain name without a path"),
        (#""a/b""#, "filename must not contain / or \\; give a plain name (use folder for a path)"),
        (#""a\\b""#, "filename must not contain / or \\; give a plain name (use folder for a path)"),
        (#""a\u0000b""#, "filename must not contain NUL characters; remove them"),
        ("\"\(String(repeating: "x", count: 256))\"", "filename must be at most 255 characters, not 256"),
        ("true", "filename must be a string, not a boolean"),
    ])
    func badFilename(json: String, message: String) {
        let data = BatchFixture.json(jobs: #"[{"url": "https://example.com/v", "filename": \#(json)}]"#)
        #expect(BatchFixture.errors(data) == [FieldError(field: "jobs[0].filename", message: message)])
    }

    @Test(arguments: [
        (#""  Holiday: Day 1 ""#, "Holiday Day 1" as String?),
        (#""???""#, nil),
        (#""""#, nil),
        ("\"\(String(repeating: "é", count: 255))\"", String(repeating: "é", count: 100)),
    ])
    func filenameIsSanitised(json: String, expected: String?) throws {
        let data = BatchFixture.json(jobs: #"[{"url": "https://example.com/v", "filename": \#(json)}]"#)
        let request = try #require(BatchFixture.request(data))
        #expect(request.jobs.first?.filename == expected)
    }

    // MARK: - folder

    @Test(arguments: [
        (#""""#, "folder must not be empty or only white space; remove it to write to the root of out/"),
        (#""   ""#, "folder must not be empty or only white space; remove it to write to the root of out/"),
        (#""/abs""#, "folder must not start with / or \\; give a relative path such as videos/2024"),
        (#""\\abs""#, "folder must not start with / or \\; give a relative path such as videos/2024"),
        (#""a/../b""#, "folder must not contain a .. segment; give a path inside out/"),
        (#"".." "#, "folder must not contain a .. segment; give a path inside out/"),
        (#""a\\b""#, "folder must not contain \\; separate folders with /"),
        (#""a\u0000b""#, "folder must not contain NUL characters; remove them"),
        (#""a/???/b""#, #"folder segment "???" has nothing left after sanitising; use letters or digits in it"#),
        (#""a/./b""#, #"folder segment "." has nothing left after sanitising; use letters or digits in it"#),
        (#""a/ /b""#, #"folder segment " " has nothing left after sanitising; use letters or digits in it"#),
        ("\"\(String(repeating: "f", count: 201))\"", "folder must be at most 200 characters, not 201"),
        ("12", "folder must be a string, not a number"),
    ])
    func badFolder(json: String, message: String) {
        #expect(
            BatchFixture.errors(BatchFixture.json(#""folder": \#(json)"#)) == [
                FieldError(field: "folder", message: message)
            ])
    }

    @Test(arguments: [
        ("youtube-downloads/2024", "youtube-downloads/2024"),
        ("a//b/", "a/b"),
        ("  My: Stuff /CON/ x..y", "My Stuff/CON_/x..y"),
        ("Cafe\u{301}", "Café"),
        (String(repeating: "f", count: 200), String(repeating: "f", count: 200)),
    ])
    func folderIsSanitised(folder: String, expected: String) throws {
        let member = try JSONSerialization.data(withJSONObject: ["folder": folder])
        let json = String(decoding: member, as: UTF8.self).dropFirst().dropLast()
        #expect(BatchFixture.request(BatchFixture.json(String(json)))?.folder == expected)
    }

    // MARK: - options

    @Test(arguments: [
        RuleCase(
            #""format": "avi""#, "format",
            #"format must be one of mp4, mkv, webm, mov, m4a, mp3, ogg or opus, not "avi""#),
        RuleCase(
            #""format": "MP4""#, "format",
            #"format must be one of mp4, mkv, webm, mov, m4a, mp3, ogg or opus, not "MP4""#),
        RuleCase(#""format": 4"#, "format", "format must be a string, not a number"),
        RuleCase(
            #""video_codec": "av1""#, "video_codec", #"video_codec must be one of copy, h264, h265 or vp9, not "av1""#),
        RuleCase(
            #""audio_codec": "flac""#, "audio_codec", #"audio_codec must be one of copy, aac, opus or mp3, not "flac""#),
        RuleCase(
            #""audio_bitrate": "96k""#, "audio_bitrate",
            #"audio_bitrate must be one of 64k, 128k, 192k, 256k or 320k, not "96k""#),
        RuleCase(#""audio_bitrate": 192"#, "audio_bitrate", "audio_bitrate must be a string, not a number"),
        RuleCase(
            #""quality_preset": "ultra""#, "quality_preset",
            #"quality_preset must be one of highest, high, medium, low or lowest, not "ultra""#),
        RuleCase(
            #""max_resolution": "4k""#, "max_resolution",
            #"max_resolution must be one of best, 2160, 1440, 1080, 720, 480 or 360, not "4k""#),
        RuleCase(
            #""max_resolution": 721"#, "max_resolution",
            #"max_resolution must be one of best, 2160, 1440, 1080, 720, 480 or 360, not "721""#),
        RuleCase(
            #""max_resolution": true"#, "max_resolution",
            #"max_resolution must be a string such as "1080", not a boolean"#),
        RuleCase(#""video_quality": 52"#, "video_quality", "video_quality must be a whole number from 0 to 51, not 52"),
        RuleCase(#""video_quality": -1"#, "video_quality", "video_quality must be a whole number from 0 to 51, not -1"),
        RuleCase(
            #""video_quality": 23.5"#, "video_quality",
            "video_quality must be a whole number from 0 to 51, not a number"),
        RuleCase(
            #""video_quality": true"#, "video_quality",
            "video_quality must be a whole number from 0 to 51, not a boolean"),
        RuleCase(
            #""video_quality": "23""#, "video_quality",
            "video_quality must be a whole number from 0 to 51, not a string"),
        RuleCase(
            #""video_quality": 1e400"#, "video_quality",
            "video_quality must be a whole number from 0 to 51, not a number"),
        RuleCase(
            #""max_duration": 0"#, "max_duration", "max_duration must be a whole number of at least 1 (seconds), not 0"),
        RuleCase(
            #""max_duration": 1.5"#, "max_duration",
            "max_duration must be a whole number of at least 1 (seconds), not a number"),
        RuleCase(
            #""idempotency_key": """#, "idempotency_key",
            "idempotency_key must not be empty; remove it or give a unique value"),
        RuleCase(
            #""idempotency_key": "\#(String(repeating: "k", count: 201))""#, "idempotency_key",
            "idempotency_key must be at most 200 characters, not 201"),
        RuleCase(#""idempotency_key": 5"#, "idempotency_key", "idempotency_key must be a string, not a number"),
        RuleCase(#""api_key": 5"#, "api_key", "api_key must be a string, not a number"),
    ])
    func badOption(rule: RuleCase) {
        #expect(
            BatchFixture.errors(BatchFixture.json(rule.members)) == [
                FieldError(field: rule.field, message: rule.message)
            ])
    }

    @Test(arguments: [
        "audio_only", "download_subtitles", "download_thumbnail", "live_recording", "live_from_start", "wait_for_video",
    ])
    func booleansMustBeJSONBooleans(key: String) {
        for (json, kind) in [("1", "a number"), ("0", "a number"), ("\"true\"", "a string"), ("[]", "an array")] {
            #expect(
                BatchFixture.errors(BatchFixture.json("\"\(key)\": \(json)")) == [
                    FieldError(field: key, message: "\(key) must be true or false (a JSON boolean), not \(kind)")
                ])
        }
        #expect(BatchFixture.request(BatchFixture.json("\"\(key)\": false")) != nil)
    }

    @Test func integralFloatIsAnInteger() {
        #expect(
            BatchFixture.request(BatchFixture.json(#""video_quality": 23.0, "max_duration": 60"#))?.options.videoQuality
                == 23)
    }

    // MARK: - clips

    @Test(arguments: [
        RuleCase(
            #""clip_start": "00:00:07", "clip_end": "00:00:05""#, "clip_end",
            "clip_end (00:00:05) must be greater than clip_start (00:00:07)"),
        RuleCase(
            #""clip_start": "90", "clip_end": "01:30""#, "clip_end",
            "clip_end (01:30) must be greater than clip_start (90)"),
        RuleCase(#""clip_end": "0""#, "clip_end", "clip_end (0) must be greater than 0"),
        RuleCase(#""clip_end": "00:00:00.0""#, "clip_end", "clip_end (00:00:00.0) must be greater than 0"),
        RuleCase(
            #""clip_start": "1:2:3:4""#, "clip_start",
            #"clip_start must be HH:MM:SS, MM:SS or seconds (fractions allowed, e.g. "90.5"), not "1:2:3:4""#),
        RuleCase(
            #""clip_end": "-5""#, "clip_end",
            #"clip_end must be HH:MM:SS, MM:SS or seconds (fractions allowed, e.g. "90.5"), not "-5""#),
        RuleCase(
            #""clip_start": 90"#, "clip_start",
            #"clip_start must be a string such as "00:01:30", "01:30" or "90", not a number"#),
    ])
    func badClip(rule: RuleCase) {
        #expect(
            BatchFixture.errors(BatchFixture.json(rule.members)) == [
                FieldError(field: rule.field, message: rule.message)
            ])
    }

    @Test func clipStartAloneIsFine() {
        #expect(BatchFixture.request(BatchFixture.json(#""clip_start": "00:00:30""#))?.options.clipStart == "00:00:30")
    }

    // MARK: - api_key

    @Test func apiKeyRequiredWhenConfigured() {
        let settings = ValidationSettings(apiKeys: ["k1", "k2"])
        #expect(
            BatchFixture.errors(BatchFixture.json(), settings: settings) == [
                FieldError(
                    field: "api_key",
                    message: "api_key is required because this spool is configured with API keys; add a valid api_key")
            ])
        let wrong = BatchFixture.errors(BatchFixture.json(#""api_key": "guess-123""#), settings: settings)
        #expect(
            wrong == [
                FieldError(
                    field: "api_key", message: "api_key is not valid; use one of the keys configured for this spool")
            ])
        #expect(!wrong.contains { $0.message.contains("guess-123") })
        #expect(BatchFixture.request(BatchFixture.json(#""api_key": "k2""#), settings: settings)?.apiKey == "k2")
    }

    @Test func apiKeyIgnoredWhenNotConfigured() {
        #expect(BatchFixture.request(BatchFixture.json(#""api_key": "anything""#))?.apiKey == "anything")
    }
}
