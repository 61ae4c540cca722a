import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The SSRF rule of folder-contract §9: URLs whose host is or resolves to a non-public address are refused.
package enum NetworkPolicy {
    /// true for loopback, private (10/8, 172.16/12, 192.168/16), link-local (169.254/16, fe80::/10), unique-local (fc00::/7), unspecified (0.0.0.0, ::), CGNAT 100.64/10, IPv4-mapped IPv6 of those, multicast.
    ///
    /// Also refused: the rest of 0/8, broadcast and 240/4, and IPv4 embedded in IPv4-compatible,
    /// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses. Text that is not an IP address is
    /// refused too (fail closed). Brackets and a `%zone` suffix are accepted.
    package static func isDisallowed(address: String) -> Bool {
        var text = address
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        if let v4 = ipv4Bytes(text) { return isDisallowedV4(v4) }
        if let v6 = ipv6Bytes(text) { return isDisallowedV6(v6) }
        return true
    }

    /// Resolves the URL's host with getaddrinfo; returns an error message (one plain sentence naming the host) when any address is disallowed or the host does not resolve, nil when allowed. Literal IPs are checked without DNS.
    ///
    /// Blocking (DNS); call it off the cooperative pool or accept the wait.
    package static func refusal(forURL url: String) -> String? {
        guard let host = host(ofURL: url) else {
            return "the URL \(url) has no host; use a full http or https URL"
        }
        if ipv4Bytes(host) != nil || ipv6Bytes(host) != nil {
            return isDisallowed(address: host) ? refusedMessage(host: host, address: host) : nil
        }
        let addresses = resolve(host)
        if addresses.isEmpty {
            return "the host \(host) does not resolve; check the URL"
        }
        if let bad = addresses.first(where: { isDisallowed(address: $0) }) {
            return refusedMessage(host: host, address: bad)
        }
        return nil
    }

    /// The host of an http(s) URL, without IPv6 brackets; `nil` when there is none.
    package static func host(ofURL url: String) -> String? {
        guard let components = URLComponents(string: url), var host = components.host, !host.isEmpty else {
            return nil
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : host
    }

    private static func refusedMessage(host: String, address: String) -> String {
        let target = host == address ? "the address \(host)" : "the host \(host) (\(address))"
        return "\(target) is loopback, private, link-local or otherwise not public, so the URL is refused;"
            + " enable allow_private_network (--allow-private-network) to fetch from it"
    }

    // MARK: - Parsing

    package static func ipv4Bytes(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    package static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    // MARK: - Ranges

    private static func isDisallowedV4(_ b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _): return true  // "this network" (incl. 0.0.0.0), private, loopback
        case (169, 254), (192, 168): return true  // link-local, private
        case (172, 16...31): return true  // private
        case (100, 64...127): return true  // CGNAT
        case (224...255, _): return true  // multicast, reserved, broadcast
        default: return false
        }
    }

    private static func isDisallowedV6(_ b: [UInt8]) -> Bool {
        let firstTen = b[0..<10].allSatisfy { $0 == 0 }
        if firstTen && b[10] == 0 && b[11] == 0 {
            // :: and ::1, then IPv4-compatible ::a.b.c.d (deprecated but still routed by some stacks).
            if b[12..<15].allSatisfy({ $0 == 0 }) && b[15] <= 1 { return true }
            return isDisallowedV4(Array(b[12..<16]))
        }
        if firstTen && b[10] == 0xFF && b[11] == 0xFF { return isDisallowedV4(Array(b[12..<16])) }  // ::ffff:a.b.c.d
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4..<12].allSatisfy({ $0 == 0 }) {
            return isDisallowedV4(Array(b[12..<16]))  // NAT64 64:ff9b::/96
        }
        if b[0] == 0x20 && b[1] == 0x02 { return isDisallowedV4(Array(b[2..<6])) }  // 6to4
        if b[0] == 0xFE && (b[1] & 0xC0) == 0x80 { return true }  // link-local fe80::/10
        if b[0] == 0xFE && (b[1] & 0xC0) == 0xC0 { return true }  // deprecated site-local fec0::/10
        if (b[0] & 0xFE) == 0xFC { return true }  // unique-local fc00::/7
        if b[0] == 0xFF { return true }  // multicast
        return false
    }

    // MARK: - Resolving

    /// Every address getaddrinfo gives for `host`, as numeric text; empty when it does not resolve.
    private static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var results: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = entry.pointee.ai_addr {
                var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                let status = getnameinfo(
                    address, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST)
                if status == 0 {
                    let text = String(
                        decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    results.append(text)
                }
            }
            cursor = entry.pointee.ai_next
        }
        return results
    }
}
