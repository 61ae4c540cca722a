import Foundation
import Hummingbird
import SpoolCore

/// An error answered as the hosted API's JSON body: `{"error": "<one sentence>", "errors": [{field, message}]}`.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String
    /// Each problem with its field, as a rejection receipt lists them; absent when there is none.
    var errors: [FieldError]?

    init(_ status: HTTPResponse.Status, _ message: String, errors: [FieldError]? = nil) {
        self.status = status
        self.message = message
        self.errors = errors
    }

    static let jobNotFound = APIError(.notFound, "Job not found")
    static let batchNotFound = APIError(.notFound, "Batch not found")
    static let invalidAPIKey = APIError(.unauthorized, "Invalid API Key")

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONBody.response(Body(error: message, errors: errors), status: status)
    }

    private struct Body: Encodable {
        var error: String
        var errors: [FieldError]?
    }
}
