import Foundation
import Hummingbird
import Logging
import SpoolCore
import SpoolService
import SpoolStore

/// The hosted API's endpoints (docs/http-api.md) over the running daemon's parts: every handler acts through
/// the same ingest, control, store and status-file code as the folder, so HTTP and folder users see one world.
struct SpoolAPI: Sendable {
    var parts: DaemonParts
    var readiness: Readiness
    /// Deletes a Completed job's outputs for `DELETE /jobs/{id}/file`; the seam the `purge/` control plugs into.
    var purgeOutputs: @Sendable (JobRecord, SpoolPaths) throws -> OutputPurge.Result = {
        try OutputPurge.local($0, paths: $1)
    }

    /// Every route: method, path (Hummingbird's `{name}` parameters, as in the OpenAPI document).
    static let routes: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/healthz"), (.get, "/metrics"), (.get, "/usage"), (.get, "/openapi.json"),
        (.post, "/jobs/bulk"), (.post, "/jobs"), (.get, "/jobs"), (.get, "/jobs/{id}"), (.delete, "/jobs/{id}"),
        (.post, "/jobs/{id}/retry"), (.delete, "/jobs/{id}/file"), (.get, "/batch/{id}"), (.get, "/batches/{id}"),
        (.post, "/metadata"),
    ]

    var store: any StoreEngine { parts.store }
    var paths: SpoolPaths { parts.paths }
    var logger: Logger { parts.logger }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorMiddleware(routes: Self.routes, maxBodyBytes: parts.configuration.maxBatchBytes))
        router.add(middleware: APIKeyMiddleware(keys: parts.configuration.apiKeys))
        router.get("/healthz") { _, _ in health() }
        router.get("/metrics") { _, _ in try await metricsText() }
        router.get("/usage") { _, _ in try await usage() }
        router.get("/openapi.json") { _, _ in JSONBody.response(bytes: Data(OpenAPIDocument.json.utf8)) }
        router.post("/jobs/bulk") { request, _ in try await createBulk(request) }
        router.post("/jobs") { request, _ in try await createJob(request) }
        router.get("/jobs") { request, _ in try await listJobs(request) }
        router.get("/jobs/{id}") { _, context in try await job(id: context.parameters.require("id")) }
        router.delete("/jobs/{id}") { _, context in try await cancel(id: context.parameters.require("id")) }
        router.post("/jobs/{id}/retry") { _, context in try await retry(id: context.parameters.require("id")) }
        router.delete("/jobs/{id}/file") { _, context in try await deleteFile(id: context.parameters.require("id")) }
        router.get("/batch/{id}") { _, context in try await batch(id: context.parameters.require("id")) }
        router.get("/batches/{id}") { _, context in try await batch(id: context.parameters.require("id")) }
        router.post("/metadata") { request, _ in try await metadata(request) }
        return router
    }

    /// File I/O blocks: off the cooperative pool (the store is awaited).
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await BlockingWork.run("spool-http") { try body() }
    }
}
