import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// Child processes (the demo's media server and service, the doctor's version checks) are started
// by SpoolPipeline's `ToolRunner`, like every tool: own session, empty signal mask, default signal
// dispositions.

/// This program's own path (to start `spool serve` from `spool demo`).
func ownExecutable() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    return CommandLine.arguments[0]
}
