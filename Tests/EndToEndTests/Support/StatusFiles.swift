import Foundation

extension SpoolRoot {
    /// jobs/*.json and batches/*.json by relative path ("jobs/<id>.json"), their bytes.
    func statusFiles() throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in ["jobs", "batches"] {
            for file in try FileManager.default.contentsOfDirectory(atPath: dir(name).path)
            where file.hasSuffix(".json") && !file.hasPrefix(".") {
                files["\(name)/\(file)"] = try Data(contentsOf: dir(name).appendingPathComponent(file))
            }
        }
        return files
    }
}
