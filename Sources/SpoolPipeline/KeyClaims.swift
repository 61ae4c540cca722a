import Foundation

/// Object keys this process is uploading to now (shared by every copy of the uploader).
actor KeyClaims {
    private var keys: Set<String> = []

    func claim(_ key: String) -> Bool { keys.insert(key).inserted }
    func release(_ key: String) { keys.remove(key) }
}
