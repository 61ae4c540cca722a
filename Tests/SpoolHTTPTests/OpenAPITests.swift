import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import SpoolHTTP

@Suite("OpenAPI document")
struct OpenAPITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("GET /openapi.json serves docs/openapi.json, and its paths and methods are exactly the router's routes")
    func matchesRoutes() async throws {
        let fixture = try HTTPFixture()
        let file = try Data(contentsOf: Self.repository.appendingPathComponent("docs/openapi.json"))
        let router = fixture.api.makeRouter()
        let routes = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        try await fixture.test { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            #expect(Data(bytesOf: response.body) + Data("\n".utf8) == file)
            let doc = try json(response)
            #expect(doc["openapi"] as? String == "3.1.0")
            let paths = try #require(doc["paths"] as? [String: [String: Any]])
            let documented = Set(
                paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
            #expect(
                documented == routes,
                "only documented: \(documented.subtracting(routes)); only routed: \(routes.subtracting(documented))")
            #expect(Set(SpoolAPI.routes.map { "\($0.method.rawValue) \($0.path)" }) == routes)
        }
    }
}
