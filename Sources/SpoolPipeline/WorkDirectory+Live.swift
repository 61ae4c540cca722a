import Foundation

/// Finding what a live recorder left in a work directory (it may have been stopped before it
/// could say where it wrote).
extension WorkDirectory {
    /// The media a part left: where the recorder said it wrote, else (a recorder that was stopped
    /// or lost the stream before it could say) its largest media file.
    func partMedia(exitCode: Int32?) -> String? {
        if exitCode == 0, let path = finalPath { return path }
        return recordedFile
    }

    /// The largest non-empty `media.*` media file in the directory, or else in its `.tmp/`
    /// (where yt-dlp writes until it moves the file: a recording whose recorder was stopped, or
    /// failed, before it could say where it wrote).
    var recordedFile: String? {
        let fm = FileManager.default
        let side: Set<String> = ["json", "txt", "vtt", "jpg", "ytdl"]
        let media = { (dir: String) -> [String] in
            ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { name in
                name.hasPrefix("media.") && !side.contains((name as NSString).pathExtension)
            }.map { dir + "/" + $0 }
        }
        var paths = media(path)
        if paths.isEmpty { paths = media(file(".tmp")) }
        let sized = paths.compactMap { path -> (String, Int64)? in
            let size = ((try? fm.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
            return size > 0 ? (path, size) : nil
        }
        return sized.max { $0.1 < $1.1 }?.0
    }
}
