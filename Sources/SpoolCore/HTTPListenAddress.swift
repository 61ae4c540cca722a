/// `http_listen`: `HOST:PORT` (`[::1]:8080` for IPv6); port 0 lets the system pick a free one.
package struct HTTPListenAddress: Sendable, Equatable {
    package var host: String
    package var port: Int

    /// nil when `text` is not `HOST:PORT` with a port in 0...65535.
    package init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(" "), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        self.host = host
        self.port = port
    }
}
