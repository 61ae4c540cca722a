import ArgumentParser
import Foundation
import SpoolCore
import SpoolService

/// `--root` and `--config`, shared by every command that touches a root (SPEC §10).
struct RootOptions: ParsableArguments {
    @Option(name: .long, help: "The root directory (default: $SPOOL_ROOT, then the configuration's root).")
    var root: String?

    @Option(name: .long, help: "A JSON configuration file.")
    var config: String?

    func loadConfiguration() throws -> SpoolConfiguration {
        guard let config else { return SpoolConfiguration() }
        guard let data = FileManager.default.contents(atPath: config) else {
            throw ValidationError("cannot read the configuration file \(config)")
        }
        do {
            return try SpoolConfiguration.load(from: data)
        } catch let error as ConfigurationError {
            throw ValidationError("\(config): \(error.message)")
        } catch {
            throw ValidationError("\(config) is not valid JSON: \(error.localizedDescription)")
        }
    }

    func paths(_ configuration: SpoolConfiguration) throws -> SpoolPaths {
        let env = ProcessInfo.processInfo.environment["SPOOL_ROOT"].flatMap { $0.isEmpty ? nil : $0 }
        guard let root = root ?? env ?? configuration.root else {
            throw ValidationError("no root: pass --root DIR, set SPOOL_ROOT, or set root in the configuration")
        }
        return SpoolPaths(root: root, configuration: configuration)
    }
}
