import Foundation
import SpoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// What the terminal on stdout can do.
struct TerminalStyle {
    /// stdout is a terminal: redraw in place; otherwise print one line per change.
    var interactive: Bool
    var color: Bool
    var width: Int

    static func detect() -> TerminalStyle {
        let env = ProcessInfo.processInfo.environment
        let tty = isatty(STDOUT_FILENO) == 1
        let dumb = env["TERM"] == nil || env["TERM"] == "dumb"
        let color = tty && !dumb && env["NO_COLOR"].map(\.isEmpty) ?? true
        return TerminalStyle(interactive: tty && !dumb, color: color, width: width())
    }

    static func width() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 {
            return columns
        }
        return 100
    }
}

/// ANSI colours used by the views.
enum Paint: String {
    case green = "32"
    case red = "31"
    case yellow = "33"
    case cyan = "36"
    case dim = "2"
    case bold = "1"
    case plain = "0"
}

/// A line made of coloured pieces, cut to the terminal's width by visible characters.
struct StyledLine {
    var pieces: [(String, Paint)] = []

    mutating func add(_ text: String, _ paint: Paint = .plain) { pieces.append((text, paint)) }

    var plain: String { pieces.map(\.0).joined() }

    func render(width: Int, color: Bool) -> String {
        var budget = max(10, width - 1)
        var out = ""
        for (text, paint) in pieces where budget > 0 {
            let cut = String(text.prefix(budget))
            budget -= cut.count
            if color && paint != .plain {
                out += "\u{1B}[\(paint.rawValue)m" + cut + "\u{1B}[0m"
            } else {
                out += cut
            }
        }
        return out
    }
}

/// One job as the views show it, read from `jobs/<id>.json`.
struct JobLine {
    var id: String
    var label: String
    var status: String
    var step: String
    /// The download's percentage (100 once the download is done and the job muxes or moves).
    var percent: Double?
    /// The percentage of a later step (ffmpeg's progress while muxing/encoding).
    var stepPercent: Double?
    var speed: Double?
    var eta: Double?
    var recorded: Double?
    var maxDuration: Double?
    var nextRetryAt: Double?
    var output: String?
    var error: String?

    init(id: String, doc: JobStatusDocument?) {
        self.id = id
        status = doc?.status.rawValue ?? "Pending"
        step = doc?.step.rawValue ?? "Queued"
        let progress = doc?.progress
        percent = progress?.percent
        speed = progress?.speedBps
        eta = progress?.etaSeconds
        recorded = progress?.recordedSeconds
        maxDuration = progress?.maxDurationSeconds ?? doc?.options.maxDuration.map(Double.init)
        nextRetryAt = doc?.nextRetryAt.map(Double.init)
        output = doc?.result?.outputPath
        error = doc?.failure?.error
        if status == "Completed" { percent = 100 }
        if status == "Processing" && (step == "Muxing" || step == "Uploading") {
            // The bar is the download's: it stays full; the later step shows its own percentage.
            stepPercent = step == "Muxing" ? percent : nil
            percent = 100
            speed = nil
            eta = nil
        }
        label = Self.label(doc)
    }

    static func label(_ doc: JobStatusDocument?) -> String {
        guard let doc else { return "?" }
        if let name = doc.filename, !name.isEmpty { return name }
        if let last = URL(string: doc.url)?.lastPathComponent, !last.isEmpty, last != "/" { return last }
        return doc.id
    }

    var isTerminal: Bool { ["Completed", "Failed", "Warning", "Skipped"].contains(status) }

    /// A key that changes when the plain view should print a new line.
    var changeKey: String {
        "\(status)|\(stepText)|\(percent.map { Int($0) } ?? -1)|\(recorded.map { Int($0) } ?? -1)"
    }

    /// "Downloading", "Muxing 40%".
    var stepText: String {
        stepPercent.map { "\(step) \(Int($0.rounded(.down)))%" } ?? step
    }

    var icon: (String, Paint) {
        switch status {
        case "Completed": return ("✔", .green)
        case "Failed": return ("✖", .red)
        case "Warning": return ("⚠", .yellow)
        case "Skipped": return ("↷", .yellow)
        case "Processing": return step == "Waiting" ? ("…", .yellow) : step == "Recording" ? ("●", .red) : ("↓", .cyan)
        default: return ("·", .dim)
        }
    }

    /// "38%  1.2 MB/s  ETA 3s", "recorded 0:12 / 0:30", "retry in 4s", or "".
    var detail: String {
        if recorded != nil || step == "Recording" {
            let got = formatClock(recorded ?? 0)
            return maxDuration.map { "recorded \(got) / \(formatClock($0))" } ?? "recorded \(got)"
        }
        if step == "Waiting", let next = nextRetryAt {
            let left = max(0, next / 1000 - Date().timeIntervalSince1970)
            return "retry in \(Int(left.rounded(.up)))s"
        }
        var parts: [String] = []
        if let percent { parts.append(String(format: "%3.0f%%", percent.rounded(.down))) }
        if let speed, status == "Processing" { parts.append(formatRate(speed)) }
        if let eta, status == "Processing" { parts.append("ETA \(formatClock(eta))") }
        return parts.joined(separator: "  ")
    }

    /// The fraction the bar shows.
    var fraction: Double {
        if let recorded, let maxDuration, maxDuration > 0 { return min(1, recorded / maxDuration) }
        return min(1, max(0, (percent ?? 0) / 100))
    }

    /// `  ↓ name            [██████░░░░░░]  38%  1.2 MB/s  ETA 3s  Downloading`
    func styled(labelWidth: Int, barWidth: Int, detailWidth: Int = 28) -> StyledLine {
        var line = StyledLine()
        let (symbol, paint) = icon
        line.add("  ")
        line.add(symbol, paint)
        line.add(" " + pad(label, labelWidth) + " ")
        if isTerminal && status != "Completed" {
            line.add(status, paint)
            line.add(": " + (error ?? "no reason given"))
            return line
        }
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        line.add("[")
        line.add(String(repeating: "█", count: filled), status == "Completed" ? .green : .cyan)
        line.add(String(repeating: "░", count: barWidth - filled), .dim)
        line.add("] ")
        line.add(pad(detail, detailWidth) + " ")
        if status == "Completed" {
            line.add(output ?? "Finished", .green)
        } else {
            line.add(stepText, status == "Processing" ? .cyan : .dim)
        }
        return line
    }

    /// `run1.json [2/3] custom name: Processing 38%  1.2 MB/s  ETA 0:03, Downloading`
    func plainLine(prefix: String) -> String {
        var text = "\(prefix) \(label): \(status)"
        let d = detail.trimmingCharacters(in: .whitespaces)
        if !d.isEmpty && !(isTerminal && status != "Completed") { text += " " + d }
        if !isTerminal { text += ", \(stepText)" }
        if status == "Completed", let output { text += " → \(output)" }
        if isTerminal && status != "Completed" { text += ": \(error ?? "no reason given")" }
        return text
    }
}

func pad(_ s: String, _ width: Int) -> String {
    if s.count > width { return String(s.prefix(max(1, width - 1))) + "…" }
    return s + String(repeating: " ", count: width - s.count)
}

/// 75 → "1:15", 3725 → "1:02:05".
func formatClock(_ seconds: Double) -> String {
    let s = Int(max(0, seconds).rounded())
    if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) }
    return String(format: "%d:%02d", s / 60, s % 60)
}

/// 1_234_567 → "1.2 MB/s".
func formatRate(_ bytesPerSecond: Double) -> String { formatBytes(bytesPerSecond) + "/s" }

func formatBytes(_ bytes: Double) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = bytes
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(Int(value)) B" : String(format: "%.1f", value) + " " + units[unit]
}
