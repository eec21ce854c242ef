import Foundation

/// Progress of long steps on standard error: a bar redrawn in place on a terminal, one
/// summary line per step otherwise (logs, CI). `NO_COLOR` is honoured.
package final class ProgressReporter: @unchecked Sendable {
    private let console: Console
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var drawn = false
    private let color: Bool

    package init(console: Console, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.console = console
        color = console.errIsTerminal && environment["NO_COLOR"] == nil
    }

    /// Redraws the current step's bar (at most ten times a second); silent off a terminal.
    /// `rate` is in `unit` (images or prompts per second).
    func update(_ label: String, done: Int, total: Int, rate: Double, unit: String = "img/s", secondsRemaining: Double?) {
        guard console.errIsTerminal else { return }
        lock.withLock {
            let now = Date()
            guard done >= total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            let width = 24
            let filled = total > 0 ? min(width, width * done / total) : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let eta = secondsRemaining.map { " ETA \(Self.duration($0))" } ?? ""
            let text = "\r\(label)  \(bar) \(done)/\(total)  \(String(format: "%.1f", rate)) \(unit)\(eta)\u{1B}[K"
            FileHandle.standardError.write(Data(text.utf8))
            drawn = true
        }
    }

    /// Ends a step with one line (replacing the bar on a terminal).
    package func finish(_ line: String) {
        lock.withLock {
            if drawn, console.errIsTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            drawn = false
        }
        console.err(color ? "\u{1B}[32m✓\u{1B}[0m \(line)" : "- \(line)")
    }

    package func note(_ line: String) {
        console.err(line)
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600 ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60) : String(format: "%d:%02d", total / 60, total % 60)
    }
}
