import AsyncHTTPClient
import Foundation
import NIOCore

/// Sends one webhook request; the seam the unit tests replace.
package protocol WebhookSending: Sendable {
    /// POSTs `body` as JSON with `headers`; the response's status code. Throws on a network error or timeout.
    func post(url: String, body: Data, headers: [(String, String)]) async throws -> Int
    func shutdown() async
}

/// AsyncHTTPClient with a 30 s deadline per request and no redirects (a redirect could lead past the SSRF
/// rule, which is checked on the URL itself).
package final class HTTPWebhookSender: WebhookSending {
    let client: HTTPClient
    let timeout: TimeAmount

    package init(timeout: TimeAmount = .seconds(30)) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: timeout, read: timeout)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = timeout
    }

    package func post(url: String, body: Data, headers: [(String, String)]) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "spool-webhook")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: timeout)
        // the answer is not read; drained to reuse the connection
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return Int(response.status.code)
    }

    package func shutdown() async {
        try? await client.shutdown()
    }
}
