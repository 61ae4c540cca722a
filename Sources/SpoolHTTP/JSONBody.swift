import Foundation
import Hummingbird

/// The API's JSON answers: Codable bodies (keys sorted, slashes unescaped) or bytes already encoded.
enum JSONBody {
    static let contentType = "application/json"

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The bodies are plain structs of strings and numbers: encoding cannot fail.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return response(bytes: data, status: status)
    }

    /// A JSON object built as a dictionary (for documents extended with more keys); `NSNull` for null.
    static func response(object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return response(bytes: data, status: status)
    }

    static func response(bytes: Data, status: HTTPResponse.Status = .ok, contentType: String = JSONBody.contentType)
        -> Response
    {
        Response(
            status: status, headers: [.contentType: contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
