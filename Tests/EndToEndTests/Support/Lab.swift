// Shared test media (made once with ffmpeg, cached under the temp dir) and one
// Range-capable labserver on 127.0.0.1 for the whole test process.

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

final class Lab: @unchecked Sendable {
    let mediaDir: URL
    let port: Int
    /// Kept open: labserver exits when its stdin reaches EOF, i.e. when this test process ends.
    private let stdinPipe: Pipe
    private let server: Process

    var base: String { "http://127.0.0.1:\(port)" }
    func url(_ path: String) -> String { "\(base)/\(path)" }

    private init(mediaDir: URL, port: Int, stdinPipe: Pipe, server: Process) {
        self.mediaDir = mediaDir
        self.port = port
        self.stdinPipe = stdinPipe
        self.server = server
    }

    /// The media this suite uses: name → (sine frequency). 4 s, 640x360, h264/aac, 1-s GOP, faststart.
    static let clips: [(name: String, frequency: Int)] = [("clipA.mp4", 440), ("clipB.mp4", 660)]
    static let clipDuration = 4.0
    static let mediaVersion = "v2"

    static func make() throws -> Lab {
        let media = try makeMedia()
        let (server, pipe, port) = try startServer(root: media)
        return Lab(mediaDir: media, port: port, stdinPipe: pipe, server: server)
    }

    private static func makeMedia() throws -> URL {
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("spool-e2e-media-\(mediaVersion)")
        let required = clips.map(\.name) + Media.requiredFiles
        if required.allSatisfy({ fm.fileExists(atPath: dir.appendingPathComponent($0).path) }) {
            return dir
        }
        let staging = try Paths.makeTempDir("spool-e2e-media-staging")
        let ffmpeg = try Paths.which("ffmpeg")
        for clip in clips {
            let d = String(clipDuration)
            let result = try runCommand(
                ffmpeg,
                [
                    "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=\(d)",
                    "-f", "lavfi", "-i", "sine=frequency=\(clip.frequency):sample_rate=48000:duration=\(d)",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "32", "-g", "25", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-shortest", "-movflags", "+faststart",
                    staging.appendingPathComponent(clip.name).path,
                ], timeout: 120)
            guard result.status == 0 else {
                throw E2EError("ffmpeg failed making \(clip.name): \(result.stderr)")
            }
        }
        try Media.generate(in: staging, ffmpeg: ffmpeg)
        // Publish atomically; another test process may have won the race, which is fine.
        try? fm.removeItem(at: dir)
        if rename(staging.path, dir.path) != 0 {
            guard required.allSatisfy({ fm.fileExists(atPath: dir.appendingPathComponent($0).path) }) else {
                throw E2EError("could not publish test media to \(dir.path): errno \(errno)")
            }
            try? fm.removeItem(at: staging)
        }
        return dir
    }

    /// Starts `script` (labserver.py) on a free port and reads its `READY <port>` line, waiting at most
    /// `timeout` s: a server that starts but never prints must fail the run, not hang it.
    static func startServer(
        root: URL, script: URL = Paths.labserver, timeout: Double = 15
    ) throws -> (Process, Pipe, Int) {
        let python = try Paths.which("python3")
        let p = Process()
        p.executableURL = python
        p.arguments = [script.path, "--root", root.path, "--port", "0"]
        p.environment = Paths.childEnvironment
        let stdinPipe = Pipe()
        let stdoutPipe = Pipe()
        p.standardInput = stdinPipe
        p.standardOutput = stdoutPipe
        p.standardError = FileHandle.standardError
        try p.run()
        let (line, buffer) = readFirstLine(stdoutPipe.fileHandleForReading.fileDescriptor, timeout: timeout)
        if let parts = line?.split(separator: " "), parts.count == 2, parts[0] == "READY", let port = Int(parts[1]) {
            return (p, stdinPipe, port)
        }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        let got = String(decoding: buffer, as: UTF8.self)
        throw E2EError(
            line == nil
                ? "labserver printed no READY line within \(timeout) s; got: \(got)"
                : "labserver did not print READY <port>; got: \(got)")
    }

    /// The first line written to `fd` within `timeout` s (nil on timeout or EOF), and every byte read.
    private static func readFirstLine(_ fd: Int32, timeout: Double) -> (String?, Data) {
        var buffer = Data()
        let deadline = Date().addingTimeInterval(timeout)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return (nil, buffer) }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(min(left, 1) * 1000))
            if ready < 0 && errno != EINTR { return (nil, buffer) }
            guard ready > 0 else { continue }
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return (nil, buffer) }  // EOF: the server died
            buffer.append(contentsOf: chunk[0..<n])
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                return (String(decoding: buffer[..<newline], as: UTF8.self), buffer)
            }
        }
    }
}

/// The one Lab of this test process, made on first use.
actor LabProvider {
    static let shared = LabProvider()
    private var cached: Result<Lab, any Error>?

    func lab() throws -> Lab {
        if let cached { return try cached.get() }
        let result = Result { try Lab.make() }
        cached = result
        return try result.get()
    }
}

func sharedLab() async throws -> Lab {
    try await LabProvider.shared.lab()
}
