import Foundation
import Testing

@testable import SpoolCore

#if canImport(Glibc)
    import Glibc
#endif

// A seeded fuzz/property test of `BatchValidator.validate` (no third-party dependency).
//
// Every input is a pure function of (seed, index), so a failure names the index that reproduces it.
// SPOOL_FUZZ_COUNT and SPOOL_FUZZ_SEED change the run (e.g. SPOOL_FUZZ_COUNT=2000000 for a long one).

/// What a range of fuzz inputs gave: counts, timings and the first failures; merged across chunks.
struct FuzzSummary: Sendable {
    var inputs = 0
    var accepted = 0
    var rejected = 0
    var documentErrors = 0
    var cpuSeconds = 0.0
    var maxMicros = 0.0
    var microsByKind = [Double](repeating: 0, count: 5)
    var countByKind = [Int](repeating: 0, count: 5)
    var failures: [String] = []
    var rejections = RejectionTally()

    mutating func merge(_ other: FuzzSummary) {
        inputs += other.inputs
        accepted += other.accepted
        rejected += other.rejected
        documentErrors += other.documentErrors
        cpuSeconds += other.cpuSeconds
        maxMicros = max(maxMicros, other.maxMicros)
        for i in 0..<5 {
            microsByKind[i] += other.microsByKind[i]
            countByKind[i] += other.countByKind[i]
        }
        failures += other.failures
        rejections.merge(other.rejections)
    }
}

@Suite("Fuzz: BatchValidator over generated inputs")
struct FuzzTests {
    static let seed = UInt64(ProcessInfo.processInfo.environment["SPOOL_FUZZ_SEED"] ?? "") ?? 0x5B00_1F00_2024_0604
    static let count = Int(ProcessInfo.processInfo.environment["SPOOL_FUZZ_COUNT"] ?? "") ?? 100_000

    /// The generator state of input `index`: independent of every other input, so any one can be replayed.
    static func generator(index: Int) -> FuzzInputs {
        FuzzInputs(rng: SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03)))
    }

    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func run(_ range: Range<Int>) -> FuzzSummary {
        var summary = FuzzSummary()
        let cpuStart = threadCPUSeconds()
        for index in range {
            var inputs = generator(index: index)
            let made = inputs.makeWithKind()
            let input = made.bytes
            let data = Data(input)
            let began = threadCPUSeconds()
            let result = BatchValidator.validate(data)
            let micros = (threadCPUSeconds() - began) * 1e6
            summary.maxMicros = max(summary.maxMicros, micros)
            summary.microsByKind[made.kind] += micros
            summary.countByKind[made.kind] += 1
            summary.inputs += 1
            var problems: [String]
            switch result {
            case .success(let request):
                summary.accepted += 1
                problems = FuzzOracle.violations(of: request, input: input)
            case .failure(let rejection):
                summary.rejected += 1
                if rejection.errors.map(\.field) == ["$"] { summary.documentErrors += 1 }
                problems = FuzzOracle.violations(of: rejection, input: input, tally: &summary.rejections)
            }
            // Deterministic: the same bytes give the same answer.
            if index % 64 == 0, BatchValidator.validate(data) != result {
                problems.append("validate is not deterministic")
            }
            if !problems.isEmpty, summary.failures.count < 20 {
                let shown = String(decoding: input.prefix(300), as: UTF8.self).debugDescription
                summary.failures.append(
                    "input #\(index) (seed \(seed)): \(problems.joined(separator: "; ")) — \(shown)")
            }
        }
        summary.cpuSeconds = threadCPUSeconds() - cpuStart
        return summary
    }

    @Test("100,000 generated inputs: never crashes; accepted requests obey folder-contract §3, rejections name fields")
    func validatorProperties() async throws {
        let total = Self.count
        let chunks = 16
        let began = Date()
        let summary = await withTaskGroup(of: FuzzSummary.self) { group in
            for chunk in 0..<chunks {
                let range = (total * chunk / chunks)..<(total * (chunk + 1) / chunks)
                group.addTask { Self.run(range) }
            }
            var all = FuzzSummary()
            for await part in group { all.merge(part) }
            return all
        }
        let seconds = Date().timeIntervalSince(began)
        print(
            "fuzz: \(summary.inputs) inputs in \(String(format: "%.1f", seconds)) s wall, "
                + "\(String(format: "%.1f", summary.cpuSeconds)) s CPU; accepted \(summary.accepted), "
                + "rejected \(summary.rejected) (\(summary.documentErrors) unreadable documents, "
                + "\(summary.rejections.checked) with \(summary.rejections.expectedFields) expected fields); "
                + "slowest \(Int(summary.maxMicros)) µs; mean µs by kind: "
                + (0..<5).map {
                    "\(FuzzInputs.kinds[$0]) \(Int(summary.microsByKind[$0] / Double(max(1, summary.countByKind[$0]))))"
                }
                .joined(separator: ", "))

        #expect(summary.inputs == total && total >= 100_000)
        let failures = summary.failures.count
        #expect(failures == 0, "\(failures)+ failing inputs:\n\(summary.failures.joined(separator: "\n"))")
        // The mix exercises both sides and the document checks, not only one of them.
        #expect(summary.accepted >= total / 20, "only \(summary.accepted) accepted")
        #expect(summary.rejected >= total / 5, "only \(summary.rejected) rejected")
        #expect(summary.documentErrors >= total / 20, "only \(summary.documentErrors) unreadable documents")
        // Most field-level rejections had their expected fields worked out, so the field check is not vacuous.
        let tally = summary.rejections
        let fieldLevel = summary.rejected - summary.documentErrors
        #expect(tally.checked + tally.unreadable == fieldLevel, "\(tally)")
        #expect(
            tally.checked >= fieldLevel * 9 / 10, "only \(tally.checked) of \(fieldLevel) rejections checked: \(tally)")
        #expect(tally.expectedFields >= tally.checked / 2, "only \(tally.expectedFields) expected fields: \(tally)")
    }

    @Test("an empty key is named in the rejection (it was once reported with an empty field)")
    func emptyKeyIsNamedInTheRejection() {
        switch BatchValidator.validate(Data(#"{"": 1, "jobs": [{"url": "https://example.com/v"}]}"#.utf8)) {
        case .success: Issue.record("accepted an empty key")
        case .failure(let rejection):
            #expect(rejection.errors.allSatisfy { !$0.field.isEmpty }, "\(rejection.errors)")
        }
    }

    @Test func inputsAreReproducibleFromTheirIndex() {
        for index in [0, 1, 77, 99_999] {
            var a = Self.generator(index: index)
            var b = Self.generator(index: index)
            #expect(a.make() == b.make())
        }
        var first = Self.generator(index: 1)
        var second = Self.generator(index: 2)
        #expect(first.make() != second.make())
    }
}
