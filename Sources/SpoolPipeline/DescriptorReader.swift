import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a descriptor (a pipe, a socket) as an async sequence of chunks without holding a thread:
/// a dispatch read source wakes a non-blocking read when data is there. For the fork server's pipes
/// and job sockets, which swift-subprocess does not create (it only reads pipes of processes it starts).
///
/// Owns the descriptor: it is closed at end of file, on a read error, or on `cancel()`.
final class DescriptorReader: @unchecked Sendable {
    /// The data as it arrives; finishes at end of file, on an error or after `cancel()`.
    let chunks: AsyncStream<[UInt8]>
    /// The descriptor, valid until `chunks` finishes (a job socket is also written to).
    let descriptor: Int32
    // @unchecked: a DispatchSource is thread-safe but not marked Sendable.
    private let source: any DispatchSourceRead

    private static let queue = DispatchQueue(label: "spool.descriptor-reader", attributes: .concurrent)

    init(taking descriptor: Int32) {
        self.descriptor = descriptor
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: Self.queue)
        self.source = source
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        chunks = stream
        source.setEventHandler {
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            let n = read(descriptor, &buffer, buffer.count)
            if n > 0 {
                continuation.yield(Array(buffer[..<n]))
            } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                source.cancel()
            }
        }
        source.setCancelHandler {
            close(descriptor)
            continuation.finish()
        }
        source.resume()
    }

    /// Stops reading and closes the descriptor (at once if nothing is being read).
    func cancel() { source.cancel() }
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
