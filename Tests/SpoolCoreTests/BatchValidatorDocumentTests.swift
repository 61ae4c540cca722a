import Foundation
import Testing

@testable import SpoolCore

@Suite("Batch file: document, keys, whole batches")
struct BatchValidatorDocumentTests {
    @Test func fullyValidBatchHasDefaultsApplied() throws {
        let data = BatchFixture.json(
            jobs: #"[{"url": "https://example.com/a"}, {"url": "HTTP://example.com/b", "filename": "My  Clip?"}]"#)
        let request = try #require(BatchFixture.request(data))
        #expect(
            request.jobs == [
                JobItem(url: "https://example.com/a", filename: nil),
                JobItem(url: "HTTP://example.com/b", filename: "My Clip"),
            ])
        #expect(request.options == JobOptions())
        #expect(request.options.format == "mp4")
        #expect(request.options.audioBitrate == nil)
        #expect(request.options.videoQuality == 23)
        #expect(request.options.maxResolution == "best")
        #expect(request.folder == nil)
        #expect(request.idempotencyKey == nil)
        #expect(request.apiKey == nil)
    }

    @Test func audioOnlyDefaultsToM4A() throws {
        let request = try #require(BatchFixture.request(BatchFixture.json(#""audio_only": true"#)))
        #expect(request.options.format == "m4a")
        #expect(request.options.audioOnly)
    }

    @Test func everyOptionIsCarriedThrough() throws {
        let members = """
            "folder": "videos//2024/", "format": "mkv", "video_codec": "h265", "audio_codec": "opus",
            "audio_bitrate": "128k", "video_quality": 30, "download_subtitles": true, "download_thumbnail": true,
            "quality_preset": "low", "max_resolution": "720", "clip_start": "00:01:02.25", "clip_end": "90:00",
            "live_recording": true, "live_from_start": true, "max_duration": 7200, "wait_for_video": true,
            "idempotency_key": "k-1", "api_key": "secret", "audio_only": false
            """
        let request = try #require(
            BatchFixture.request(BatchFixture.json(members), settings: .init(apiKeys: ["other", "secret"])))
        #expect(request.folder == "videos/2024")
        #expect(
            request.options
                == JobOptions(
                    format: "mkv", videoCodec: "h265", audioCodec: "opus", audioBitrate: "128k", videoQuality: 30,
                    audioOnly: false, downloadSubtitles: true, downloadThumbnail: true, qualityPreset: "low",
                    maxResolution: "720", clipStart: "00:01:02.25", clipEnd: "90:00", liveRecording: true,
                    liveFromStart: true, maxDuration: 7200, waitForVideo: true))
        #expect(request.idempotencyKey == "k-1")
        #expect(request.apiKey == "secret")
    }

    @Test func nullMeansAbsentForOptionalKeys() throws {
        let request = try #require(
            BatchFixture.request(
                BatchFixture.json(#""folder": null, "clip_start": null, "audio_only": null, "video_quality": null"#)))
        #expect(request.options == JobOptions())
        #expect(request.folder == nil)
    }

    @Test func integerMaxResolutionIsNormalisedToString() throws {
        let request = try #require(BatchFixture.request(BatchFixture.json(#""max_resolution": 720"#)))
        #expect(request.options.maxResolution == "720")
    }

    @Test func oneLeadingBOMIsTolerated() throws {
        let data = Data([0xEF, 0xBB, 0xBF]) + BatchFixture.json()
        #expect(BatchFixture.request(data) != nil)
    }

    static let bom = Data([0xEF, 0xBB, 0xBF])
    static let bomMessage =
        "the batch file has a byte order mark after its start; remove it (only one at the very start is tolerated)"
    /// Documents that cannot be read at all; a `nil` message means "the parser's words", checked loosely.
    static let documentCases: [(Data, String?)] = [
        (bom + bom + BatchFixture.json(), bomMessage),
        (Data(" ".utf8) + bom + BatchFixture.json(), bomMessage),
        (Data([0x7B, 0xFF, 0x7D]), "the batch file is not valid UTF-8; save it as UTF-8"),
        (Data("{\"jobs\": [".utf8), nil),
        (Data("".utf8), nil),
        (Data("[1, 2]".utf8), "the batch file must be a JSON object with a jobs array, not an array"),
        (Data("\"jobs\"".utf8), "the batch file must be a JSON object with a jobs array, not a string"),
        (Data("42".utf8), "the batch file must be a JSON object with a jobs array, not a number"),
    ]

    @Test(arguments: documentCases)
    func wholeDocumentProblemsUseDollarField(data: Data, message: String?) {
        let errors = BatchFixture.errors(data)
        #expect(errors.count == 1)
        #expect(errors.first?.field == "$")
        if let message {
            #expect(errors.first?.message == message)
        } else {
            #expect(errors.first?.message.hasPrefix("the batch file is not valid JSON") == true)
            #expect(errors.first?.message.hasSuffix("; fix the syntax and drop it again") == true)
        }
    }

    @Test func utf16IsNotAccepted() {
        let data = "{\"jobs\": [{\"url\": \"https://example.com\"}]}".data(using: .utf16)!
        let errors = BatchFixture.errors(data)
        #expect(errors.map(\.field) == ["$"])
    }

    @Test(arguments: [
        RuleCase(#""audio_onyl": true"#, "audio_onyl", "unknown key; did you mean audio_only?"),
        RuleCase(#""audioOnly": true"#, "audioOnly", "unknown key; did you mean audio_only?"),
        RuleCase(#""video-codec": "h264""#, "video-codec", "unknown key; did you mean video_codec?"),
        RuleCase(#""fromat": "mp4""#, "fromat", "unknown key; did you mean format?"),
        RuleCase(#""colour": "blue""#, "colour", "unknown key; remove it or correct its spelling"),
        RuleCase(
            #""webhook_url": "https://example.com/hook""#, "webhook_url",
            "webhook_url is not supported for bulk jobs, as in the hosted API; remove it and poll the status files in jobs/ instead"
        ),
        RuleCase(
            #""enable_progress_webhook": true"#, "enable_progress_webhook",
            "enable_progress_webhook is not supported for bulk jobs, as in the hosted API; remove it and poll the status files in jobs/ instead"
        ),
        RuleCase(
            #""storage": {"provider": "s3"}"#, "storage",
            "storage is not supported by spool, which writes every output under out/; remove it"),
        RuleCase(#""paused": true"#, "paused", "paused is not supported for bulk jobs; remove it"),
    ])
    func unknownTopLevelKeys(rule: RuleCase) {
        let errors = BatchFixture.errors(BatchFixture.json(rule.members))
        #expect(errors == [FieldError(field: rule.field, message: rule.message)])
    }

    @Test func unknownKeysInsideJobItems() {
        let jobs =
            #"[{"url": "https://example.com/a"}, {"url": "https://example.com/b"}, {"urll": "https://example.com/c", "url": "https://example.com/c", "format": "mp4", "title": "x"}]"#
        let errors = BatchFixture.errors(BatchFixture.json(jobs: jobs))
        #expect(
            errors == [
                FieldError(
                    field: "jobs[2].format",
                    message: "unknown key; options apply to the whole batch, so move format to the top level"),
                FieldError(field: "jobs[2].title", message: "unknown key; a job item takes only url and filename"),
                FieldError(field: "jobs[2].urll", message: "unknown key; did you mean url?"),
            ])
    }

    @Test func severalProblemsAreAllListed() throws {
        let jobs = #"[{"url": "ftp://example.com/a"}, {"url": "https://example.com/b", "filename": "../x"}, 7]"#
        let data = BatchFixture.json(
            #""audio_onyl": true, "video_quality": 99, "clip_start": "00:00:07", "clip_end": "00:00:05", "format": "avi""#,
            jobs: jobs)
        let rejection: BatchRejection
        switch BatchValidator.validate(data) {
        case .success:
            Issue.record("expected a rejection")
            return
        case .failure(let value): rejection = value
        }
        #expect(
            rejection.errors.map(\.field) == [
                "audio_onyl", "jobs[0].url", "jobs[1].filename", "jobs[2]", "format", "video_quality", "clip_end",
            ])
        #expect(rejection.summary == "7 problems in batch file")
        #expect(
            rejection.errors.contains(
                FieldError(field: "jobs[0].url", message: "only http and https URLs are accepted")))
        #expect(
            rejection.errors.contains(
                FieldError(
                    field: "clip_end", message: "clip_end (00:00:05) must be greater than clip_start (00:00:07)")))
    }

    @Test func summaryIsSingularForOneProblem() {
        #expect(BatchRejection(errors: [FieldError(field: "$", message: "x")]).summary == "1 problem in batch file")
        #expect(
            BatchRejection(errors: [.init(field: "a", message: "x"), .init(field: "b", message: "y")]).summary
                == "2 problems in batch file")
    }

    @Test func editDistanceCountsASwapOnce() {
        #expect(BatchValidator.editDistance(Array("audio_onyl"), Array("audio_only")) == 1)
        #expect(BatchValidator.editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(BatchValidator.editDistance([], Array("abc")) == 3)
    }
}
