import Foundation
import Testing

@testable import SpoolCore
@testable import SpoolPipeline

@Suite("ToolsLayout")
struct ToolsLayoutTests {
    private func temporaryVenv() throws -> String {
        let dir = NSTemporaryDirectory() + "spool-layout-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/pyvenv.cfg", contents: Data("home = /usr/bin\n".utf8))
        return dir
    }

    @Test("the venv is found from the entry's path or from a venv's bin/, else nil")
    func venvFromProgram() throws {
        let venv = try temporaryVenv()
        defer { try? FileManager.default.removeItem(atPath: venv) }
        #expect(ToolsLayout.venv(forProgram: "/srv/v/spool-tools/yt-dlp/yt-dlp") == "/srv/v")
        #expect(ToolsLayout.venv(forProgram: "/srv/v/./spool-tools/yt-dlp/yt-dlp") == "/srv/v")
        #expect(ToolsLayout.venv(forProgram: venv + "/bin/yt-dlp") == venv)
        #expect(ToolsLayout.venv(forProgram: "/usr/bin/yt-dlp") == nil, "/usr has no pyvenv.cfg")
        #expect(ToolsLayout.venv(forProgram: venv + "/lib/yt-dlp") == nil)
        let layout = ToolsLayout(venv: venv + "/")
        #expect(layout.entry == venv + ToolsLayout.entrySuffix)
        #expect(layout.launcher(for: YtDlpVersion("2026.10.21")!) == layout.home + "/versions/2026.10.21/yt-dlp")
    }

    @Test("switching renames a new symlink over the entry: the realpath changes, nothing is left beside it")
    func switchEntry() throws {
        let venv = try temporaryVenv()
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let layout = ToolsLayout(venv: venv)
        let old = venv + "/old"
        let new = venv + "/new"
        for program in [old, new] { FileManager.default.createFile(atPath: program, contents: Data(program.utf8)) }
        #expect(layout.entryTarget() == nil)
        try layout.switchEntry(to: old)
        #expect(layout.entryTarget() == old)
        #expect(URL(fileURLWithPath: layout.entry).resolvingSymlinksInPath().path == old)
        try layout.switchEntry(to: new)
        #expect(layout.entryTarget() == new)
        #expect(FileManager.default.contents(atPath: layout.entry) == Data(new.utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: layout.home) == ["yt-dlp"])
    }

    @Test("the record is written atomically and read back; a corrupt one is an error naming the file")
    func record() throws {
        let venv = try temporaryVenv()
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let layout = ToolsLayout(venv: venv)
        #expect(try layout.readRecord() == nil)
        try FileManager.default.createDirectory(atPath: layout.home, withIntermediateDirectories: true)
        let record = ToolsRecord(
            current: .init(version: "2026.10.26", program: "/p/26"),
            previous: .init(version: "2026.10.21", program: "/p/21"),
            switchedAt: "2026-11-30T10:00:00Z")
        try layout.writeRecord(record)
        #expect(try layout.readRecord() == record)
        try Data("{".utf8).write(to: URL(fileURLWithPath: layout.recordPath))
        let error = #expect(throws: ToolsError.self) { try layout.readRecord() }
        #expect(error?.message.contains(layout.recordPath) == true)
    }

    @Test("the launcher puts its own lib/ first and runs yt-dlp's main with the venv's python")
    func launcher() {
        let script = YtDlpInstaller.launcherScript(python: "/v/bin/python3", version: YtDlpVersion("2026.10.21")!)
        #expect(script.hasPrefix("#!/v/bin/python3\n"))
        #expect(
            script.contains(#"sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "lib"))"#))
        #expect(script.contains("from yt_dlp import main"))
    }

    @Test("a second update or rollback while one holds the lock fails at once, naming the directory")
    func lock() async throws {
        let venv = try temporaryVenv()
        defer { try? FileManager.default.removeItem(atPath: venv) }
        let layout = ToolsLayout(venv: venv)
        let inner: String? = try await layout.withLock {
            do {
                try await layout.withLock {}
                return nil
            } catch let error as ToolsError {
                return error.message
            }
        }
        #expect(inner?.contains("another spool tools update or rollback is running on \(layout.home)") == true)
        try await layout.withLock {}  // released afterwards
    }
}
