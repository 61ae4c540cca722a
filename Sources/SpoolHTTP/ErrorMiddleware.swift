import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Every failure becomes a JSON body: the API's own errors as they are, an unknown path 404, a known path
/// with another method 405, a body over `max_batch_bytes` 413, anything unexpected 500 (logged, never shown).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// `METHOD /path/{id}` of every route, for telling 405 from 404.
    var routes: [(method: HTTPRequest.Method, path: String)]
    var maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try APIError(
                .contentTooLarge,
                "The request body is over \(maxBodyBytes) bytes (max_batch_bytes): split the batch into smaller ones"
            ).response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = Self.allowedMethods(routes, path: request.uri.path)
            if !allowed.isEmpty {
                var response = try APIError(
                    .methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path)"
                ).response(from: request, context: context)
                response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                return response
            }
            return try APIError(.notFound, "Not found").response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            return try APIError(error.status, error.status.reasonPhrase).response(from: request, context: context)
        } catch {
            context.logger.error(
                "HTTP request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return try APIError(.internalServerError, "Internal error; see the service log")
                .response(from: request, context: context)
        }
    }

    /// The methods of the routes that match `path` most literally (the router prefers `/jobs/bulk` to `/jobs/{id}`).
    static func allowedMethods(_ routes: [(method: HTTPRequest.Method, path: String)], path: String)
        -> [HTTPRequest.Method]
    {
        let matching = routes.filter { matches(template: $0.path, path: path) }
        func literals(_ template: String) -> Int { template.split(separator: "/").filter { !$0.hasPrefix("{") }.count }
        let best = matching.map { literals($0.path) }.max()
        return matching.filter { literals($0.path) == best }.map(\.method)
    }

    /// `/jobs/{id}/file` matches `/jobs/abc/file`.
    static func matches(template: String, path: String) -> Bool {
        let a = template.split(separator: "/")
        let b = path.split(separator: "/")
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { t, p in t.hasPrefix("{") || t == p }
    }
}
