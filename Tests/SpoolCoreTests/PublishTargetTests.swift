import Foundation
import Testing

@testable import SpoolCore

@Suite("publish_to: s3://bucket[/prefix] and object keys")
struct PublishTargetTests {
    @Test("bucket and prefix; the object key is <prefix>/<folder>/<name>.<ext> without a leading slash")
    func keys() throws {
        let target = try PublishTarget.parse("s3://media/spool/").get()
        #expect(target == PublishTarget(bucket: "media", prefix: "spool"))
        #expect(target.objectKey("pub/run1/a.mp4") == "spool/pub/run1/a.mp4")
        #expect(target.objectDirectory(folder: "pub/run1") == "spool/pub/run1/")
        #expect(target.objectDirectory(folder: nil) == "spool/")
        let top = try PublishTarget.parse("s3://media").get()
        #expect(top.objectKey("a.mp4") == "a.mp4")
        #expect(top.objectDirectory(folder: nil) == "")
        #expect(try PublishTarget.parse("s3://media//a//b").get().prefix == "a/b")
    }

    @Test(
        "a bad publish_to names the key and what to write",
        arguments: ["media", "https://media", "s3://", "s3://Media", "s3://ab", "s3://-media", "s3://media/../x"])
    func bad(text: String) {
        guard case .failure(let error) = PublishTarget.parse(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(error.key == "publish_to")
        #expect(error.message.hasPrefix("publish_to "))
    }

    @Test("configuration: path style follows the endpoint; bad values stop start-up naming the key")
    func configuration() throws {
        var c = SpoolConfiguration()
        #expect(c.publishTarget == nil)
        #expect(!c.s3PathStyleInForce)
        c.s3Endpoint = "http://127.0.0.1:8333"
        #expect(c.s3PathStyleInForce)
        c.s3PathStyle = false
        #expect(!c.s3PathStyleInForce)
        c.publishTo = "s3://media/x"
        try c.check()
        #expect(c.publishTarget == PublishTarget(bucket: "media", prefix: "x"))
        c.s3URLExpirySeconds = 604_801
        #expect(throws: ConfigurationError.self) { try c.check() }
        c.s3URLExpirySeconds = 60
        c.s3Endpoint = "127.0.0.1:8333"
        #expect(throws: ConfigurationError.self) { try c.check() }
    }
}
