import Dispatch
import Foundation

extension Array where Element: Sendable {
    /// `map` on every core, in order, for CPU-bound work such as validating or encoding a burst's
    /// files while the disk work stays on one thread; plain `map` when there is one core or one item.
    func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        guard count > 1, ProcessInfo.processInfo.activeProcessorCount > 1 else { return map(transform) }
        let slots = LockedBox([T?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let value = transform(self[index])
            slots.withLock { $0[index] = value }
        }
        return slots.withLock { $0.map { $0! } }
    }

    /// Runs `body` over the elements on every core, in no particular order (in order on one thread when
    /// there are few elements: below 32, spreading them costs more than it saves).
    func concurrentForEach(_ body: @Sendable (Element) -> Void) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard cores > 1, count >= 32 else {
            for element in self { body(element) }
            return
        }
        let slices = Swift.min(cores, count)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            var index = slice
            while index < count {
                body(self[index])
                index += slices
            }
        }
    }
}

/// A value shared by the threads of a parallel loop, behind a lock (a class, unlike `Mutex`, so that
/// escaping closures such as a dispatch queue's can capture it).
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
