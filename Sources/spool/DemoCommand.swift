import ArgumentParser
import Foundation
import SpoolFiles
import SpoolPipeline
import SpoolService

#if canImport(Glibc)
    import Glibc
#endif

/// `spool demo`: an offline tour. Makes a few short videos with ffmpeg, serves them on 127.0.0.1,
/// runs the service on a temporary root, drops two batches, shows the progress bars, then the
/// tree of `out/` and one status file.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "An offline tour on this machine: a local media server, a temporary root, two batches.",
        discussion:
            "Needs ffmpeg, ffprobe, yt-dlp and python3 (the media server); touches nothing outside its directory.")

    @Option(help: "Directory for the tour (kept afterwards); default: a temporary one, removed at the end.")
    var dir: String?

    @Flag(help: "Keep the temporary directory (root, media, log) at the end.")
    var keep = false

    @Option(help: "Media server speed in bytes per second (slow enough to watch the bars move).")
    var rate = 96_000

    static let clips: [(file: String, title: String, source: String, tone: Int)] = [
        ("sunrise.mp4", "Sunrise over the test card", "testsrc2", 440),
        ("harbour.mp4", "Harbour in SMPTE colours", "smptebars", 554),
        ("meadow.mp4", "Meadow of moving patterns", "testsrc", 659),
    ]

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        for tool in ["ffmpeg", "ffprobe", "yt-dlp", "python3"] where DoctorCommand.resolve(tool) == nil {
            print("spool demo needs \(tool) in PATH (see `spool doctor`)")
            throw ExitCode(1)
        }
        let base =
            try dir.map { d -> String in
                try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
                return URL(fileURLWithPath: d).standardizedFileURL.path
            } ?? Self.temporaryDirectory()
        let keepAll = keep || dir != nil
        let media = base + "/media"
        try FileManager.default.createDirectory(atPath: media, withIntermediateDirectories: true)

        step(1, "making \(Self.clips.count) short videos with ffmpeg (640x360, 2 s each) in \(media)")
        for clip in Self.clips { try await makeClip(clip, into: media) }

        step(2, "serving them on 127.0.0.1 at \(formatRate(Double(rate))) (python3 -m http.server, throttled)")
        let portFile = base + "/server.port"
        let scriptFile = base + "/mediaserver.py"
        try Data(Self.serverScript.utf8).write(to: URL(fileURLWithPath: scriptFile))
        let (outcome, _) = try await ToolRunner().withTool(
            DoctorCommand.resolve("python3")!, arguments: [scriptFile, media, String(rate), portFile],
            output: .appending(to: base + "/server.log"), inputPipe: true
        ) { server in
            let port = try await poll("the media server", seconds: 15) {
                (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            }
            let outcome = try await tour(base: base, port: port, server: server)
            // The server exits when its stdin closes; SIGTERM, then SIGKILL, if it does not.
            await server.closeInput()
            server.stop([ToolStopStep(SIGTERM, then: .seconds(10))])
            return outcome
        }
        if keepAll {
            print("kept \(base): try `spool status --recent --root \(base + "/root")`")
        } else {
            try? FileManager.default.removeItem(atPath: base)
            print("removed \(base) (run with --keep or --dir DIR to keep it)")
        }
        if outcome != .allCompleted { throw ExitCode(outcome.exitCode) }
    }

    /// Steps 3 to 5 while the media server runs: the service, the batches, the wait, what came out.
    private func tour(base: String, port: Int, server: ToolExecution) async throws -> BatchWaiter.Outcome {
        let root = base + "/root"
        let log = base + "/spool.log"
        step(3, "starting `spool serve` on the temporary root \(root) (log: \(log))")
        let configFile = base + "/spool.json"
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: configFile))
        let (outcome, stopped) = try await ToolRunner().withTool(
            ownExecutable(), arguments: ["serve", "--root", root, "--config", configFile], output: .appending(to: log)
        ) { service in
            // Stopped the way systemd would: SIGTERM, SIGKILL after 10 s.
            let stop = [ToolStopStep(SIGTERM, then: .seconds(10))]
            defer { service.stop(stop) }
            return try await watch(base: base, port: port) {
                service.stopBlocking(stop)
                server.stopBlocking(stop)
            }
        }
        print("\nservice stopped (exit \(stopped.shellStatus)); metrics: \(root)/metrics.prom")
        return outcome
    }

    /// Steps 4 and 5: drops the batches, waits for them, shows `out/` and one status file.
    private func watch(
        base: String, port: Int, onInterrupt: @escaping @Sendable () -> Void
    ) async throws -> BatchWaiter.Outcome {
        let paths = SpoolPaths(root: base + "/root", configuration: .init())
        try FileManager.default.createDirectory(atPath: paths.inbox, withIntermediateDirectories: true)
        let batches = Self.batches(base: "http://127.0.0.1:\(port)")
        step(4, "dropping \(batches.count) batches into \(paths.inbox):")
        for (name, text) in batches {
            print("\n  \(name)\n" + text.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            let hidden = paths.inbox + "/." + name + ".demo"
            try AtomicFile.write(Data(text.utf8), to: hidden)
            try AtomicFile.move(from: hidden, to: paths.inbox + "/" + name)
        }
        print("")
        step(5, "watching them (this is `spool submit --wait`):")
        var waiter = BatchWaiter(paths: paths)
        waiter.onInterrupt = onInterrupt
        let outcome = try await waiter.wait(for: batches.map(\.name))

        print("\nThe tree of out/ (the bucket; folders are the S3 key prefixes):")
        print(Self.tree(paths.out))
        let firstJob =
            (readJSON(paths.receipts + "/" + batches[0].name.dropLast(5) + ".json")?["job_ids"] as? [String])?.first
        if let firstJob, let data = FileManager.default.contents(atPath: paths.jobStatus(firstJob)) {
            print("One status file, jobs/\(firstJob).json (the hosted API's job body):")
            let object = try? JSONSerialization.jsonObject(with: data)
            let pretty = object.flatMap {
                try? JSONSerialization.data(
                    withJSONObject: $0, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            }
            print(String(decoding: pretty ?? data, as: UTF8.self))
        }
        return outcome
    }

    private func step(_ n: Int, _ text: String) {
        print("[\(n)/5] \(text)")
        fflush(nil)
    }

    private func makeClip(_ clip: (file: String, title: String, source: String, tone: Int), into dir: String)
        async throws
    {
        let arguments = [
            "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "lavfi", "-i", "\(clip.source)=size=640x360:rate=25:duration=2",
            "-f", "lavfi", "-i", "sine=frequency=\(clip.tone):sample_rate=48000:duration=2",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "30", "-g", "25", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-shortest", "-movflags", "+faststart",
            "-metadata", "title=\(clip.title)", dir + "/" + clip.file,
        ]
        let (_, result) = try await ToolRunner().withTool(
            DoctorCommand.resolve("ffmpeg")!, arguments: arguments, output: .inherited
        ) { _ in }
        guard result.exitCode == 0 else {
            print("ffmpeg could not make \(clip.file) (exit \(result.shellStatus))")
            throw ExitCode(1)
        }
    }

    private func poll<T>(_ what: String, seconds: Double, _ probe: () -> T?) async throws -> T {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = probe() { return value }
            try await Task.sleep(for: .milliseconds(50))
        }
        print("\(what) did not start within \(Int(seconds)) s")
        throw ExitCode(1)
    }

    static func temporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/spool-demo-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw ExitCode(1) }
        return URL(fileURLWithPath: String(cString: made)).standardizedFileURL.path
    }

    static let config = """
        {
          "rescan_interval_s": 0.5,
          "allow_private_network": true,
          "retries": 1,
          "retry_base_delay_s": 0.5,
          "downloads": 3
        }
        """

    /// Two batches: a video folder with names and a container choice, and an audio-only clip.
    static func batches(base: String) -> [(name: String, text: String)] {
        [
            (
                "demo-videos.json",
                """
                {
                  "folder": "demo/videos",
                  "format": "mkv",
                  "max_resolution": "360",
                  "jobs": [
                    {"url": "\(base)/sunrise.mp4", "filename": "01 Sunrise"},
                    {"url": "\(base)/harbour.mp4", "filename": "02 Harbour"},
                    {"url": "\(base)/meadow.mp4"}
                  ]
                }
                """
            ),
            (
                "demo-audio.json",
                """
                {
                  "folder": "demo/audio",
                  "audio_only": true,
                  "format": "m4a",
                  "clip_start": "0.5",
                  "clip_end": "1.5",
                  "jobs": [
                    {"url": "\(base)/harbour.mp4", "filename": "Harbour tone (1 s)"}
                  ]
                }
                """
            ),
        ]
    }

    /// `out/` as an indented tree with sizes.
    static func tree(_ dir: String, indent: String = "") -> String {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }
            .sorted()
        var lines: [String] = indent.isEmpty ? ["out/"] : []
        for (i, name) in names.enumerated() {
            let last = i == names.count - 1
            let path = dir + "/" + name
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
            if isDir.boolValue {
                lines.append(indent + (last ? "└── " : "├── ") + name + "/")
                let sub = tree(path, indent: indent + (last ? "    " : "│   "))
                if !sub.isEmpty { lines.append(sub) }
            } else {
                let size =
                    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue ?? 0
                lines.append(indent + (last ? "└── " : "├── ") + name + "  (\(formatBytes(size)))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A throttled static file server (stdlib only); exits when its stdin closes (the demo ended).
    static let serverScript = #"""
        import functools, http.server, os, sys, threading, time
        directory, rate, port_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def copyfile(self, source, destination):
                chunk = max(1024, rate // 20)
                while True:
                    data = source.read(chunk)
                    if not data:
                        break
                    destination.write(data)
                    time.sleep(len(data) / rate)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass

        server = Server(("127.0.0.1", 0), functools.partial(Handler, directory=directory))
        with open(port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(port_file + ".tmp", port_file)

        def watch_stdin():
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            except Exception:
                pass
            os._exit(0)

        threading.Thread(target=watch_stdin, daemon=True).start()
        server.serve_forever()
        """#
}
