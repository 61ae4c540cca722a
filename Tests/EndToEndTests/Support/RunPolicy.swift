// How this run treats tests that need something of the machine (root, mount(2), systemd-analyze) and the
// long variants of some tests. CI (.ci/run, scripts/test.sh) sets the variables; a developer's run may not.

import Foundation
import Testing

/// The run's switches, read from the test process's environment (never passed on to services under test).
enum RunPolicy {
    /// `SPOOL_E2E_NO_SKIP=1`: a test whose machine requirement is missing fails instead of being skipped.
    static var noSkip: Bool { ProcessInfo.processInfo.environment["SPOOL_E2E_NO_SKIP"] == "1" }

    /// `SPOOL_E2E_FULL_MATRIX=1`: the format test runs the whole format × codec cross product.
    static var fullMatrix: Bool { ProcessInfo.processInfo.environment["SPOOL_E2E_FULL_MATRIX"] == "1" }
}

extension TestTrait where Self == ConditionTrait {
    /// Skips the test when `available` is false, except under `SPOOL_E2E_NO_SKIP=1`: then the test runs and
    /// must fail on its own `requireMachine` check, so CI cannot count a missing requirement as a pass.
    static func needs(_ available: @autoclosure @escaping @Sendable () -> Bool, _ why: Comment) -> Self {
        .enabled(why) { available() || RunPolicy.noSkip }
    }
}

/// Fails the test (under `SPOOL_E2E_NO_SKIP=1`, the only way to get here without the requirement) when the
/// machine lacks what it needs.
func requireMachine(
    _ available: Bool, _ why: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    try #require(
        available, "SPOOL_E2E_NO_SKIP=1 and this machine cannot run the test: \(why)",
        sourceLocation: sourceLocation)
}
