import Foundation

/// What `rclone lsjson --stat --hash` says about a file or object: the size and the MD5.
struct ObjectStat: Equatable, Sendable {
    var size: Int64
    var md5: String?

    init(size: Int64, md5: String?) {
        self.size = size
        self.md5 = md5
    }

    init?(json: String) {
        guard let data = json.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        let isDir = object["IsDir"] as? Bool ?? false
        size = isDir ? -1 : (object["Size"] as? NSNumber)?.int64Value ?? -1
        md5 = (object["Hashes"] as? [String: Any])?["md5"] as? String
    }

    /// The object is the local file: same size and, where the server reports one, same MD5.
    func matches(_ local: ObjectStat) -> Bool {
        size == local.size && (md5 == nil || md5 == local.md5)
    }
}
