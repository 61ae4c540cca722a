import Foundation
import SpoolCore
import Testing

@testable import SpoolPipeline

@Suite("rclone arguments, environment and JSON log")
struct RcloneTests {
    let remote = RcloneRemote(
        endpoint: "http://127.0.0.1:8333", region: "eu-west-1", pathStyle: true, uploadCutoffBytes: 1_048_576)

    @Test("the remote is defined by RCLONE_CONFIG_SPOOLS3_* variables only, credentials from AWS_* (env_auth)")
    func environment() {
        let env = remote.environment
        #expect(env["RCLONE_CONFIG_SPOOLS3_TYPE"] == "s3")
        #expect(env["RCLONE_CONFIG_SPOOLS3_ENV_AUTH"] == "true")
        #expect(env["RCLONE_CONFIG_SPOOLS3_ENDPOINT"] == "http://127.0.0.1:8333")
        #expect(env["RCLONE_CONFIG_SPOOLS3_PROVIDER"] == "Other")
        #expect(env["RCLONE_CONFIG_SPOOLS3_REGION"] == "eu-west-1")
        #expect(env["RCLONE_CONFIG_SPOOLS3_FORCE_PATH_STYLE"] == "true")
        #expect(env["RCLONE_CONFIG_SPOOLS3_NO_CHECK_BUCKET"] == "true")
        let aws = RcloneRemote(endpoint: nil, region: "us-east-1", pathStyle: false, uploadCutoffBytes: 1)
        #expect(aws.environment["RCLONE_CONFIG_SPOOLS3_PROVIDER"] == "AWS")
        #expect(aws.environment["RCLONE_CONFIG_SPOOLS3_ENDPOINT"] == nil)
    }

    @Test("no argument or variable ever carries a credential, whatever the process environment holds")
    func noSecrets() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        setenv("AWS_SECRET_ACCESS_KEY", secret, 1)
        setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", 1)
        defer {
            unsetenv("AWS_SECRET_ACCESS_KEY")
            unsetenv("AWS_ACCESS_KEY_ID")
        }
        let everything =
            remote.uploadArguments(local: "/srv/out/a.mp4", bucket: "media", key: "spool/a.mp4")
            + remote.statArguments(bucket: "media", key: "k") + remote.statArguments(local: "/x")
            + remote.listArguments(bucket: "media", directory: "spool/")
            + remote.linkArguments(bucket: "media", key: "k", expirySeconds: 60)
            + remote.deleteArguments(bucket: "media", key: "k")
            + remote.abortUploadsArguments(bucket: "media", key: "k")
            + remote.environment.flatMap { [$0.key, $0.value] }
        for text in everything {
            #expect(!text.contains(secret))
            #expect(!text.contains("AKIAIOSFODNN7EXAMPLE"))
            #expect(!text.lowercased().contains("secret"), "\(text)")
            #expect(!text.lowercased().contains("access_key"), "\(text)")
        }
    }

    @Test("every call reads no config file, logs JSON, puts paths after --; the upload never replaces an object")
    func arguments() {
        let upload = remote.uploadArguments(local: "-weird.mp4", bucket: "media", key: "spool/pub/-a (2).mp4")
        #expect(upload.first == "copyto")
        #expect(upload.contains("--config="))
        #expect(upload.contains("--use-json-log"))
        #expect(upload.contains("--ignore-existing"))
        #expect(Array(upload.suffix(3)) == ["--", "-weird.mp4", "spools3:media/spool/pub/-a (2).mp4"])
        let cutoff = try? #require(upload.firstIndex(of: "--s3-upload-cutoff"))
        #expect(cutoff.map { upload[$0 + 1] } == "1048576B", "bytes, not rclone's default KiB")
        #expect(remote.linkArguments(bucket: "b", key: "k", expirySeconds: 86400).contains("86400s"))
        #expect(remote.listArguments(bucket: "b", directory: "").last == "spools3:b/")
    }

    @Test("stats lines become progress; error lines are errors; anything else is ignored")
    func logLines() throws {
        let stats = """
            {"time":"2026-11-30T10:46:23.7Z","level":"info","msg":"x","stats":{"bytes":3500000,"totalBytes":7000000,"speed":0,"transferring":[{"bytes":3500000,"speed":1000000.4,"size":7000000}]},"source":"accounting/stats.go:549"}
            """
        let line = try #require(RcloneLogLine.parse(stats))
        #expect(line == .stats(bytes: 3_500_000, totalBytes: 7_000_000, speed: 1_000_000.4))
        let progress = try #require(line.progress)
        #expect(progress.percent == 50)
        #expect(progress.downloadedBytes == 3_500_000)
        #expect(progress.totalBytes == 7_000_000)
        #expect(progress.speedBps == 1_000_000)
        #expect(progress.etaSeconds == 3, "3.5 MB at 1 MB/s, rounded")
        let error = #"{"level":"error","msg":"Attempt 1/1 failed with 1 errors and: api error Forbidden: Forbidden"}"#
        #expect(
            RcloneLogLine.parse(error) == .error("Attempt 1/1 failed with 1 errors and: api error Forbidden: Forbidden")
        )
        #expect(RcloneLogLine.parse(#"{"level":"info","msg":"Copied (new)"}"#) == .other)
        #expect(RcloneLogLine.parse("not json") == nil)
        #expect(RcloneLogLine.stats(bytes: 0, totalBytes: 0, speed: 0).progress == nil)
    }

    @Test("refused credentials and missing buckets fail at once with a plain sentence naming the bucket")
    func failures() {
        let refused = BucketFailure.classify(
            [#"{"level":"error","msg":"operation error S3: HeadObject, StatusCode: 403, api error Forbidden"}"#],
            bucket: "media")
        #expect(refused.kind == .refused)
        #expect(!refused.retryable)
        let missing = BucketFailure.classify(
            [#"{"msg":"api error NoSuchBucket: The specified bucket does not exist"}"#], bucket: "media")
        #expect(missing.kind == .missingBucket)
        let noCredentials = BucketFailure.classify(
            [#"{"msg":"get identity: get credentials: failed to refresh cached credentials, no EC2 IMDS role found"}"#],
            bucket: "media")
        #expect(noCredentials.kind == .refused)
        let transient = BucketFailure.classify(
            [
                #"{"msg":"dial tcp 127.0.0.1:8333: connect: connection refused"}"#,
                #"{"msg":"StatusCode: 503 SlowDown"}"#,
            ],
            bucket: "media")
        #expect(transient.retryable)
        for failure in [refused, missing, noCredentials, transient] {
            #expect(failure.message.contains("bucket media"), "\(failure.message)")
            #expect(!failure.message.lowercased().contains("rclone"))
            #expect(failure.message.hasSuffix("."))
            #expect(!failure.message.contains("\n"))
        }
    }

    @Test("lsjson --stat: a file's size and MD5; a missing object (a directory) has size -1")
    func objectStat() throws {
        let file = try #require(
            ObjectStat(json: #"{"Path":"a","Size":7000000,"IsDir":false,"Hashes":{"md5":"50420ff9"}}"#))
        #expect(file == ObjectStat(size: 7_000_000, md5: "50420ff9"))
        let missing = try #require(ObjectStat(json: #"{"Path":"","Size":-1,"IsDir":true}"#))
        #expect(!missing.matches(file))
        #expect(ObjectStat(size: 7_000_000, md5: "other").matches(file) == false)
        #expect(ObjectStat(size: 7_000_000, md5: nil).matches(file), "a server without MD5: size only")
    }
}
