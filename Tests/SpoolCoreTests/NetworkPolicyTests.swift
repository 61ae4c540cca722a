import Testing

@testable import SpoolCore

@Suite("Network policy")
struct NetworkPolicyTests {
    @Test(arguments: [
        "127.0.0.1", "127.1.2.3", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "0.0.0.0", "100.64.0.1", "100.127.255.255", "224.0.0.1", "239.255.255.250",
        "255.255.255.255", "::1", "::", "[::1]", "fe80::1", "fe80::1%eth0", "febf::1", "fc00::1", "fd12:3456::1",
        "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:192.168.0.1", "::ffff:169.254.169.254",
        "64:ff9b::10.0.0.1", "2002:0a00:0001::1", "fec0::1", "not-an-address", "example.com", "",
    ])
    func disallowed(address: String) {
        #expect(NetworkPolicy.isDisallowed(address: address))
    }

    @Test(arguments: [
        "8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1", "169.253.1.1",
        "192.169.0.1", "11.0.0.1", "2001:4860:4860::8888", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8",
    ])
    func allowed(address: String) {
        #expect(!NetworkPolicy.isDisallowed(address: address))
    }

    @Test func literalAddressesInURLsAreCheckedWithoutDNS() throws {
        let refusal = try #require(NetworkPolicy.refusal(forURL: "http://127.0.0.1:8080/v.mp4"))
        #expect(refusal.contains("127.0.0.1"))
        #expect(NetworkPolicy.refusal(forURL: "http://[::1]/v") != nil)
        #expect(NetworkPolicy.refusal(forURL: "http://[fe80::1]/v") != nil)
        #expect(NetworkPolicy.refusal(forURL: "http://169.254.169.254/latest/meta-data") != nil)
        #expect(NetworkPolicy.refusal(forURL: "http://8.8.8.8/v") == nil)
        #expect(NetworkPolicy.refusal(forURL: "http://[2001:4860:4860::8888]/v") == nil)
    }

    @Test func localhostResolvesToLoopbackAndIsRefused() throws {
        let refusal = try #require(NetworkPolicy.refusal(forURL: "http://localhost:9/v"))
        #expect(refusal.contains("localhost"))
    }

    @Test func missingHostIsRefused() {
        #expect(NetworkPolicy.refusal(forURL: "https:///x") != nil)
    }

    @Test func unresolvableHostIsRefused() throws {
        let refusal = try #require(NetworkPolicy.refusal(forURL: "https://no-such-host.invalid/v"))
        #expect(refusal == "the host no-such-host.invalid does not resolve; check the URL")
    }
}
