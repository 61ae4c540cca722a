import Foundation

/// One video frame scaled down to 160×90 grey: enough to tell frames of a moving test pattern apart.
struct GreyFrame {
    static let width = 160
    static let height = 90
    let pixels: [UInt8]

    /// The frame shown at `seconds` (ffmpeg decodes up to it, so the seek is frame-accurate).
    init(_ file: URL, at seconds: Double) throws {
        let dir = try Paths.makeTempDir("spool-e2e-frame")
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = dir.appendingPathComponent("frame.gray")
        let result = try runCommand(
            try Paths.which("ffmpeg"),
            [
                "-v", "error", "-nostdin", "-ss", String(format: "%.3f", seconds), "-i", file.path, "-frames:v", "1",
                "-vf", "scale=\(Self.width):\(Self.height),format=gray", "-f", "rawvideo", "-y", raw.path,
            ],
            timeout: 60)
        let data = (try? Data(contentsOf: raw)) ?? Data()
        guard result.status == 0, data.count == Self.width * Self.height else {
            throw E2EError("no frame at \(seconds) s of \(file.path) (\(data.count) bytes): \(result.output)")
        }
        pixels = Array(data)
    }

    /// The mean absolute difference of the grey levels (0 for the same picture, up to 255).
    func difference(to other: GreyFrame) -> Double {
        let total = zip(pixels, other.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        return Double(total) / Double(pixels.count)
    }
}
