// A plain HTTP client for the API's end-to-end tests (URLSession; EndToEndTests has no module dependencies).

import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One answer: status, headers, body bytes.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    /// The body as a JSON object; nil when it is not one.
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Requests against a running `spool serve --http`; its base URL comes from `<state>/http.addr`.
struct SpoolHTTPClient: Sendable {
    let base: String
    var apiKey: String?

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 64
        configuration.timeoutIntervalForRequest = 60
        return URLSession(configuration: configuration)
    }()

    /// Waits for the service to write `state/http.addr` (it does once the listener is bound).
    static func connect(to spool: SpoolRoot, timeout: Double = 60, apiKey: String? = nil) async throws
        -> SpoolHTTPClient
    {
        let file = spool.dir("state").appendingPathComponent("http.addr")
        let address = try await waitFor("state/http.addr", timeout: timeout, on: spool) { () -> String? in
            try spool.requireRunning()
            let text = (try? String(contentsOf: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            return text?.isEmpty == false ? text : nil
        }
        return SpoolHTTPClient(base: "http://\(address)", apiKey: apiKey)
    }

    func request(
        _ method: String, _ path: String, body: Data? = nil, contentType: String? = "application/json",
        headers: [String: String] = [:]
    ) async throws -> HTTPAnswer {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        if let body {
            request.httpBody = body
            if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        }
        if let apiKey { request.setValue(apiKey, forHTTPHeaderField: "x-api-key") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await Self.session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw E2EError("no HTTP response for \(method) \(path)") }
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        return HTTPAnswer(status: http.statusCode, headers: fields, body: data)
    }

    func get(_ path: String) async throws -> HTTPAnswer { try await request("GET", path) }

    func post(_ path: String, _ json: String, headers: [String: String] = [:]) async throws -> HTTPAnswer {
        try await request("POST", path, body: Data(json.utf8), headers: headers)
    }
}
