import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a descriptor (a pipe, a socket) as an async sequence of chunks, on a thread of its own that
/// blocks in read(2): for the fork server's pipes and job sockets, which swift-subprocess does not
/// create (it reads only the pipes of processes it starts). A thread, not the cooperative pool (a
/// blocked read would hold one of its few threads), and not a dispatch read source: libdispatch's
/// epoll bookkeeping crashed when descriptor numbers were reused quickly under load.
///
/// Owns the descriptor: the thread closes it at end of file or on a read error; `cancel()` makes a
/// socket's read end at once (a pipe ends when its writers have closed it).
final class DescriptorReader: Sendable {
    /// The data as it arrives; finishes at end of file, on an error or after `cancel()` (a socket).
    let chunks: AsyncStream<[UInt8]>
    private let descriptor: Int32
    /// Whether the thread has closed the descriptor: after that its number may belong to anything.
    private let closed = Mutex(false)

    init(taking descriptor: Int32) {
        self.descriptor = descriptor
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        chunks = stream
        // The thread holds the reader until it has closed the descriptor.
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                let n = read(descriptor, &buffer, buffer.count)
                if n > 0 {
                    continuation.yield(Array(buffer[..<n]))
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            self.closed.withLock { closed in
                close(descriptor)
                closed = true
            }
            continuation.finish()
        }
        thread.name = "spool.descriptor-reader"
        thread.stackSize = 256 << 10
        thread.start()
    }

    /// Writes all of `bytes` (a job socket's `go`); false when it could not (closed, peer gone).
    func write(_ bytes: [UInt8]) -> Bool {
        closed.withLock { closed in
            guard !closed else { return false }
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes {
                    send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
    }

    /// Ends a socket's reading now (shutdown(2)); the thread then closes it.
    func cancel() {
        closed.withLock { closed in
            if !closed { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
    }
}

/// Splits chunks of bytes into lines as swift-subprocess's `strings()` does for the tools it starts:
/// LF, CR and CRLF each end a line (ffmpeg and yt-dlp redraw progress with CR). A line longer than
/// `limit` is cut there (swift-subprocess throws instead; a cut line is kinder to a progress parser).
struct LineSplitter {
    var limit: Int
    private var pending: [UInt8] = []
    private var afterCR = false

    init(limit: Int) { self.limit = limit }

    /// The complete lines in what has come so far.
    mutating func lines(adding chunk: [UInt8]) -> [String] {
        var out: [String] = []
        for byte in chunk {
            defer { afterCR = byte == UInt8(ascii: "\r") }
            switch byte {
            case UInt8(ascii: "\n") where afterCR:
                continue
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                out.append(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
            default:
                pending.append(byte)
                if pending.count >= limit {
                    out.append(String(decoding: pending, as: UTF8.self))
                    pending.removeAll(keepingCapacity: true)
                }
            }
        }
        return out
    }

    /// What is left after end of file (a last line without a line break), if anything.
    mutating func rest() -> String? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }
}
