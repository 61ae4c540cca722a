import Foundation
import Testing

/// What config/spool.service must say about stopping (issue 16): the rest of the unit is checked by OperatorTests.
@Suite("Operator: the systemd unit's stop settings")
struct ServiceUnitTests {
    @Test("SIGTERM goes to spool alone (KillMode=mixed), which stops its tools in order")
    func killModeMixed() throws {
        let unit = try String(
            contentsOf: Paths.packageRoot.appendingPathComponent("config/spool.service"), encoding: .utf8)
        let lines = unit.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let service = lines.drop { $0 != "[Service]" }.dropFirst().prefix { !$0.hasPrefix("[") }
        #expect(service.contains("KillMode=mixed"), "the [Service] section lacks KillMode=mixed")
        #expect(service.contains("KillSignal=SIGTERM"))
        #expect(service.filter { $0.hasPrefix("KillMode=") }.count == 1)
    }
}
