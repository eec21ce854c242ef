import Foundation
import Pipeline
import Support

/// ShiftLensCLI — the `shiftlens` commands as a testable library.
///
/// `ShiftLensCLI.run(_:)` parses arguments against the table in `Command+All.swift`,
/// runs one command and returns the process exit code: 0 ok, 1 failure, 2 usage error,
/// 3 a completed `run` whose verdict reached its `--fail-on` level.
/// Results and machine output go to standard output; progress, warnings and errors
/// go to standard error. `Sources/shiftlens/main.swift` only calls `run`.
package enum ShiftLensCLI {
    static let version = ToolVersion.current

    /// Runs `arguments` (without the program name) and returns the exit code.
    package static func run(_ arguments: [String], console: Console = .standard) -> Int32 {
        guard let first = arguments.first else {
            console.err(overview())
            return ExitCode.usage
        }
        if first == "--help" || first == "-h" || first == "help" {
            if first == "help", arguments.count > 1, let command = Command.named(arguments[1]) {
                console.out(command.help())
            } else {
                console.out(overview())
            }
            return ExitCode.ok
        }
        if first == "--version" {
            console.out(BuildInfo.text())
            return ExitCode.ok
        }
        guard let command = Command.named(first) else {
            let suggestion = closestMatch(to: first, among: Command.all.map(\.name), maxDistance: 2)
            console.err("shiftlens: unknown command '\(first)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "") + "\n\n" + overview())
            return ExitCode.usage
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            console.out(command.help())
            return ExitCode.ok
        }
        do {
            let invocation = try Invocation(parsing: rest, for: command)
            return try command.run(invocation, console)
        } catch {
            let report = report(error, of: command)
            console.err(report.message)
            return report.exitCode
        }
    }

    /// The one place an error becomes what the user reads and the exit code: a usage error
    /// shows the synopsis (exit 2); any other error is mapped by `ShiftLensError(step:error:)`,
    /// the step being the command's name unless the error names its own (exit 1).
    static func report(_ error: any Error, of command: Command) -> (message: String, exitCode: Int32) {
        if let error = error as? UsageError {
            return ("shiftlens \(command.name): \(error.message)\nusage: \(command.usage)\nSee 'shiftlens \(command.name) --help'.", ExitCode.usage)
        }
        return (ShiftLensError(step: command.name, error: error).description, ExitCode.failure)
    }

    static func overview() -> String {
        var lines = [
            "shiftlens \(version) — will a CLIP model survive a change of images?",
            "",
            "usage: shiftlens <command> [options]",
            "",
            "commands:",
        ]
        let width = Command.all.map(\.name.count).max() ?? 0
        for command in Command.all {
            lines.append("  " + command.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + command.summary)
        }
        lines += ["", "Run 'shiftlens <command> --help' for a command's options.", "Exit codes: 0 ok, 1 failure, 2 usage error, 3 run --fail-on: a verdict at that level."]
        return lines.joined(separator: "\n")
    }
}

/// Process exit codes.
package enum ExitCode {
    static let ok: Int32 = 0
    package static let failure: Int32 = 1
    static let usage: Int32 = 2
    /// `run --fail-on LEVEL` and a model's verdict at that level or worse.
    package static let verdict: Int32 = 3
}

/// A command line that does not fit the command's usage (exit code 2).
package struct UsageError: Error, Equatable {
    package let message: String
    package init(_ message: String) { self.message = message }
}
