import Foundation
import Testing

@testable import SpoolCore

@Suite("Batch file: removing api_key")
struct BatchFileTests {
    private func object(_ data: Data?) throws -> [String: Any] {
        let data = try #require(data)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func removesTopLevelKeyAndKeepsTheRest() throws {
        let input = Data(
            #"{"api_key": "s3cr3t", "jobs": [{"url": "https://example.com/a/b", "filename": "é"}], "audio_only": true, "video_quality": 23, "clip_start": "00:01", "max_duration": 60}"#
                .utf8)
        let output = try #require(BatchFile.removingAPIKey(input))
        #expect(!String(decoding: output, as: UTF8.self).contains("s3cr3t"))
        #expect(!String(decoding: output, as: UTF8.self).contains("api_key"))
        // Still a batch that validates the same way, booleans still booleans.
        let before = try #require(BatchFixture.request(input))
        let after = try #require(BatchFixture.request(output))
        #expect(after.jobs == before.jobs)
        #expect(after.options == before.options)
        #expect(after.apiKey == nil)
        #expect(String(decoding: output, as: UTF8.self).contains(#""audio_only":true"#))
        #expect(String(decoding: output, as: UTF8.self).contains("https://example.com/a/b"))
    }

    @Test func toleratesALeadingBOM() throws {
        let input = Data([0xEF, 0xBB, 0xBF]) + Data(#"{"api_key": "k", "jobs": []}"#.utf8)
        let result = try object(BatchFile.removingAPIKey(input))
        #expect(result["api_key"] == nil)
        #expect(result["jobs"] != nil)
    }

    @Test(arguments: [
        #"{"jobs": []}"#,  // no key: keep the bytes
        #"{"jobs": [{"api_key": "nested"}]}"#,  // only the top level counts
        #"[{"api_key": "x"}]"#,  // not an object
        #"{"api_key": "x""#,  // not JSON
        "",
    ])
    func returnsNilWhenNothingToRemove(text: String) {
        #expect(BatchFile.removingAPIKey(Data(text.utf8)) == nil)
    }
}
