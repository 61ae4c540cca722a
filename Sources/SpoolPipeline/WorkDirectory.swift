import Foundation
import SpoolCore

/// A job's scratch directory (`work/<job_id>/`): emptied before an attempt, removed after it; the
/// downloader's side files and the parts of a live recording live in it.
package struct WorkDirectory: Sendable {
    package let path: String

    package init(_ path: String) { self.path = path }

    /// Creates the directory (with its parents).
    func create() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Removes the directory and everything in it (harmless when it is not there).
    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// The path of `name` in the directory.
    func file(_ name: String) -> String { path + "/" + name }

    /// The names in the directory, sorted.
    var names: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    /// Where part `number` of a live recording is recorded: the first in the directory itself, each
    /// later one in `live-part-N/` (created).
    func livePart(_ number: Int) throws -> WorkDirectory {
        guard number > 1 else { return self }
        let part = WorkDirectory(file("live-part-\(number)"))
        try FileManager.default.createDirectory(atPath: part.path, withIntermediateDirectories: true)
        return part
    }

    /// The media path the downloader printed into `final-path.txt`, when that file exists.
    var finalPath: String? {
        let text = try? String(contentsOfFile: file(DownloadPlan.finalPathFile), encoding: .utf8)
        guard let path = text?.split(whereSeparator: \.isNewline).first.map(String.init),
            FileManager.default.fileExists(atPath: path)
        else { return nil }
        return path
    }

    /// Says where the media is, for the rest of the attempt (as the downloader would have).
    func setFinalPath(_ media: String) throws {
        try media.write(toFile: file(DownloadPlan.finalPathFile), atomically: true, encoding: .utf8)
    }
}
