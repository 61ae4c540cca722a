import Foundation
import Logging
import Testing

@testable import SpoolPipeline

@Suite("YtDlpForkServer: entry point detection, line splitting")
struct YtDlpForkServerTests {
    @Test("a pip entry point is a Python entry point; a binary, a zipapp, env python and a shell wrapper are not")
    func entryPoints() {
        let pip = "#!/opt/venv/bin/python3\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom yt_dlp import main\n"
        #expect(YtDlpForkServer.Program.entryPointInterpreter(Data(pip.utf8)) == "/opt/venv/bin/python3")
        #expect(YtDlpForkServer.Program.entryPointInterpreter(Data([0x7F, 0x45, 0x4C, 0x46, 2, 1])) == nil)
        let zipapp = "#!/usr/bin/env python3\nPK\u{3}\u{4}..."
        #expect(YtDlpForkServer.Program.entryPointInterpreter(Data(zipapp.utf8)) == nil)
        let wrapper = "#!/bin/sh\nexec /opt/yt-dlp \"$@\"\n"
        #expect(YtDlpForkServer.Program.entryPointInterpreter(Data(wrapper.utf8)) == nil)
        let other = "#!/usr/bin/python3\nprint('not yt-dlp')\n"
        #expect(YtDlpForkServer.Program.entryPointInterpreter(Data(other.utf8)) == nil)
    }

    @Test("the fork server is off for a program that is not a Python entry point, even when asked for")
    func offForNonPython() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fork-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tool = dir.appendingPathComponent("yt-dlp")
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: tool)
        chmod(tool.path, 0o755)
        let server = YtDlpForkServer()
        #expect(!server.configure(program: tool.path, enabled: true, logger: Logger(label: "test")))
        #expect(!server.configure(program: tool.path, enabled: nil, logger: Logger(label: "test")))
        #expect(server.helper(for: tool.path) == nil)
    }

    @Test("lines end at LF, CR and CRLF, as swift-subprocess splits them; a long line is cut at the limit")
    func lines() {
        var splitter = LineSplitter(limit: 8)
        #expect(splitter.lines(adding: Array("a\nb\r".utf8)) == ["a", "b"])
        #expect(splitter.lines(adding: Array("\nc\r\nd".utf8)) == ["c"])
        #expect(splitter.lines(adding: Array("0123456789\n".utf8)) == ["d0123456", "789"])
        #expect(splitter.lines(adding: Array("tail".utf8)) == [])
        #expect(splitter.rest() == "tail")
        #expect(splitter.rest() == nil)
    }
}
