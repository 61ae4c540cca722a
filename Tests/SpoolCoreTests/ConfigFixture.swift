import Foundation

@testable import SpoolCore

/// Configuration files for the configuration tests: written to a fresh temporary directory, removed after.
enum ConfigFixture {
    static func withFile<T>(_ json: String, _ body: (String) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("spool-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("spool.json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return try body(path)
    }

    /// The configuration a file holding `json` gives, with no environment and no flags.
    static func load(_ json: String) throws -> SpoolConfiguration {
        try withFile(json) { try ConfigLoader.load(file: $0, environment: [:]).configuration }
    }

    /// The message `ConfigLoader.load` fails with (`PATH` in it stands for the file's path), or nil.
    static func problem(
        file json: String? = nil, environment: [String: String] = [:], flags: [String: ConfigValue] = [:]
    ) throws -> String? {
        func attempt(_ path: String?) -> String? {
            do {
                _ = try ConfigLoader.load(file: path, environment: environment, flags: flags)
                return nil
            } catch {
                let message = (error as? ConfigurationError)?.message ?? "not a ConfigurationError: \(error)"
                return path.map { message.replacingOccurrences(of: $0, with: "PATH") } ?? message
            }
        }
        guard let json else { return attempt(nil) }
        return try withFile(json) { attempt($0) }
    }
}
