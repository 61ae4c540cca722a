import HTTPTypes
import Hummingbird
import SpoolCore

/// When API keys are configured, every request but `GET /healthz` needs `x-api-key` with one of them,
/// compared in constant time (`APIKeyCheck`, as for batch files). The key is never logged.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    var keys: [String]

    static var headerName: HTTPField.Name { HTTPField.Name("x-api-key")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if keys.isEmpty || (request.method == .get && request.uri.path == "/healthz") {
            return try await next(request, context)
        }
        guard let given = request.headers[Self.headerName], APIKeyCheck.matches(given, anyOf: keys) else {
            throw APIError.invalidAPIKey
        }
        return try await next(request, context)
    }
}
