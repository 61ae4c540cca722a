import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// webhookreceiver.py on a free loopback port for one test: the requests spool POSTed to it, as it
/// recorded them in `<dir>/requests.jsonl`.
final class WebhookReceiver {
    let dir: URL
    let port: Int
    private let server: Process
    /// Kept open: the receiver exits when its stdin reaches EOF.
    private let stdinPipe: Pipe

    struct Request {
        var path: String
        var at: Double
        var signature: String?
        var body: String
        var answer: Int?
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        }
    }

    init() throws {
        dir = try Paths.makeTempDir("spool-e2e-webhooks")
        let script = Paths.thisFile.deletingLastPathComponent().appendingPathComponent("webhookreceiver.py")
        (server, stdinPipe, port) = try Lab.startServer(root: dir, script: script)
    }

    deinit {
        try? stdinPipe.fileHandleForWriting.close()
        if server.isRunning { kill(server.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: dir)
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// Every request recorded so far, oldest first.
    var requests: [Request] {
        guard let text = try? String(contentsOf: dir.appendingPathComponent("requests.jsonl"), encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                return nil
            }
            return Request(
                path: o["path"] as? String ?? "", at: o["at"] as? Double ?? 0, signature: o["signature"] as? String,
                body: o["body"] as? String ?? "", answer: jsonInt(o["answer"]))
        }
    }

    func requests(to path: String) -> [Request] { requests.filter { $0.path == "/" + path } }
}

/// Python's own HMAC-SHA256 (an implementation independent of spool's) of `message` with `secret`, in hex.
func pythonHMAC(secret: String, message: String) throws -> String {
    let script =
        "import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())"
    let result = try runCommand(try Paths.which("python3"), ["-c", script, secret, message], timeout: 30)
    guard result.status == 0 else { throw E2EError("python3 hmac failed: \(result.stderr)") }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}
