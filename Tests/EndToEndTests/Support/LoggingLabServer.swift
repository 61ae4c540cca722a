import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A second lab server on the shared media, started with its request log on: every request it answers is a
/// line `labserver: "GET /path HTTP/1.1" 200 -` in `log`.
final class LoggingLabServer {
    let port: Int
    let log: URL
    private let server: Process
    private let stdinPipe = Pipe()

    init(mediaDir: URL, log: URL) throws {
        self.log = log
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let p = Process()
        p.executableURL = try Paths.which("python3")
        p.arguments = [Paths.labserver.path, "--root", mediaDir.path, "--port", "0"]
        p.environment = Paths.childEnvironment.merging(["LABSERVER_VERBOSE": "1"]) { _, new in new }
        let stdout = Pipe()
        p.standardInput = stdinPipe
        p.standardOutput = stdout
        p.standardError = try FileHandle(forWritingTo: log)
        try p.run()
        server = p
        var buffer = Data()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let line = text.split(separator: "\n").first, text.contains("\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, parts[0] == "READY", let port = Int(parts[1]) {
                    self.port = port
                    return
                }
                break
            }
        }
        kill(p.processIdentifier, SIGKILL)
        throw E2EError("logging labserver did not print READY <port>: \(String(decoding: buffer, as: UTF8.self))")
    }

    deinit {
        if server.isRunning {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
    }

    /// The request lines logged so far.
    var requests: [String] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("labserver: ") }
    }
}
