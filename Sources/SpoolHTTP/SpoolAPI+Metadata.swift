import Foundation
import Hummingbird
import SpoolCore
import SpoolPipeline

extension SpoolAPI {
    /// How long `POST /metadata` may take before its tools are stopped and 504 answered.
    static let metadataLimit: Duration = .seconds(30)

    /// `POST /metadata {"url"}`: the source's metadata without downloading (`MetadataProbe`), after the same URL
    /// checks as a job's (the batch validator's, then the SSRF rule unless `allow_private_network`).
    func metadata(_ request: Request) async throws -> Response {
        let raw = try await readJSON(request)
        guard let object = (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any] else {
            throw APIError(.badRequest, "The body must be a JSON object such as {\"url\": \"https://…\"}")
        }
        if let extra = object.keys.first(where: { $0 != "url" }) {
            throw Self.rejected([FieldError(field: extra, message: "\(extra) is not a field of POST /metadata")])
        }
        let batch = try JSONSerialization.data(withJSONObject: ["jobs": [["url": object["url"] ?? NSNull()]]])
        try validate(batch, singleJob: true)
        let url = object["url"] as? String ?? ""
        if !parts.configuration.allowPrivateNetwork,
            let refusal = try await blocking({ NetworkPolicy.refusal(forURL: url) })
        {
            throw Self.rejected([FieldError(field: "url", message: refusal)])
        }
        let configuration = parts.configuration
        let probe = MetadataProbe(
            ytDlp: configuration.ytDlpPath, ffprobe: configuration.ffprobePath,
            socketTimeout: configuration.socketTimeoutSeconds, limit: Self.metadataLimit)
        do {
            return JSONBody.response(try await probe.metadata(url: url))
        } catch MetadataProbe.Failure.timedOut {
            throw APIError(.gatewayTimeout, "Reading the metadata took longer than \(Self.metadataLimit); try again")
        } catch MetadataProbe.Failure.unreadable(let why) {
            throw APIError(.badRequest, "The URL's metadata could not be read: \(why)")
        }
    }
}
