import Foundation
import Testing

@testable import SpoolCore

/// Builds batch files for tests: one valid job plus whatever top-level members a test adds.
enum BatchFixture {
    static let url = "https://example.com/watch?v=1"

    /// `{"jobs":[{"url":…}], <members>}`
    static func json(_ members: String = "", jobs: String? = nil) -> Data {
        let jobsJSON = jobs ?? "[{\"url\": \"\(url)\"}]"
        let extra = members.isEmpty ? "" : ", \(members)"
        return Data("{\"jobs\": \(jobsJSON)\(extra)}".utf8)
    }

    /// The errors of a batch that must be rejected; records an issue when it was accepted.
    static func errors(
        _ data: Data, settings: ValidationSettings = .init(), sourceLocation: SourceLocation = #_sourceLocation
    ) -> [FieldError] {
        switch BatchValidator.validate(data, settings: settings) {
        case .success(let request):
            Issue.record("expected a rejection, got \(request)", sourceLocation: sourceLocation)
            return []
        case .failure(let rejection):
            return rejection.errors
        }
    }

    /// The request of a batch that must be accepted; records an issue when it was rejected.
    static func request(
        _ data: Data, settings: ValidationSettings = .init(), sourceLocation: SourceLocation = #_sourceLocation
    ) -> BatchRequest? {
        switch BatchValidator.validate(data, settings: settings) {
        case .success(let request):
            return request
        case .failure(let rejection):
            Issue.record("expected acceptance, got \(rejection.errors)", sourceLocation: sourceLocation)
            return nil
        }
    }
}

/// One expected problem: the members added to a valid batch, and the single error they must cause.
struct RuleCase: CustomTestStringConvertible, Sendable {
    var members: String
    var field: String
    var message: String

    init(_ members: String, _ field: String, _ message: String) {
        self.members = members
        self.field = field
        self.message = message
    }

    var testDescription: String { members }
}
