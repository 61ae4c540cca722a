import Crypto
import Foundation

/// `X-Spool-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (docs/webhooks.md), the hosted API's
/// scheme under spool's name, so a receiver checks both the sender and the freshness of a delivery.
package enum WebhookSignature {
    package static let headerName = "X-Spool-Signature"

    /// The header's value for `body` sent at `unixSeconds`.
    package static func header(body: Data, secret: String, unixSeconds: Int64) -> String {
        "t=\(unixSeconds),v1=\(hex(body: body, secret: secret, unixSeconds: unixSeconds))"
    }

    /// The lowercase hex HMAC-SHA256 of `"<t>.<body>"` with `secret`.
    package static func hex(body: Data, secret: String, unixSeconds: Int64) -> String {
        var message = Data("\(unixSeconds).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }
}
