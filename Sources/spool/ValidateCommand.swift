import ArgumentParser
import Foundation
import SpoolCore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check batch files; print every problem; exit non-zero on any.")

    @Argument(help: "Batch files to check.")
    var files: [String]

    @Flag(help: "Accept URLs on loopback or private networks, as the service does with the same flag.")
    var allowPrivateNetwork = false

    func run() throws {
        var failed = false
        for file in files {
            switch BatchChecker.check(file: file, allowPrivateNetwork: allowPrivateNetwork) {
            case .success(let request):
                print("\(file): ok (\(request.jobs.count) job\(request.jobs.count == 1 ? "" : "s"))")
            case .failure(let problems):
                failed = true
                print("\(file): \(problems.summary)")
                for problem in problems.errors { print("  \(problem.field): \(problem.message)") }
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// The checks `validate` and `submit` share: the service's rules, without resolving host names.
enum BatchChecker {
    static func check(file: String, allowPrivateNetwork: Bool) -> Result<BatchRequest, BatchRejection> {
        guard let data = FileManager.default.contents(atPath: file) else {
            return .failure(BatchRejection(errors: [FieldError(field: "$", message: "cannot read \(file)")]))
        }
        let settings = ValidationSettings(refuseLiteralPrivateAddresses: !allowPrivateNetwork)
        return BatchValidator.validate(data, settings: settings)
    }
}
