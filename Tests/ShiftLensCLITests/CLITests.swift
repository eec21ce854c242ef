import Foundation
import Pipeline
@testable import ShiftLensCLI
import XCTest

/// Captures what a command writes.
final class CapturedConsole: @unchecked Sendable {
    private let lock = NSLock()
    private var outLines: [String] = []
    private var errLines: [String] = []

    var console: Console {
        Console(out: { [self] text in lock.withLock { outLines.append(text) } },
                err: { [self] text in lock.withLock { errLines.append(text) } })
    }

    var out: String { lock.withLock { outLines.joined(separator: "\n") } }
    var err: String { lock.withLock { errLines.joined(separator: "\n") } }
}

final class CLITests: XCTestCase {
    func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(arguments, console: captured.console)
        return (code, captured.out, captured.err)
    }

    func testHelpListsEveryCommandAndExitsZero() {
        let result = run(["--help"])
        XCTAssertEqual(result.code, 0)
        for command in Command.all { XCTAssertTrue(result.out.contains(command.name), command.name) }
    }

    func testEveryCommandHasHelp() {
        for command in Command.all {
            let result = run([command.name, "--help"])
            XCTAssertEqual(result.code, 0, command.name)
            XCTAssertTrue(result.out.contains("usage: shiftlens \(command.name)"), command.name)
        }
    }

    func testUsageErrorsExitTwo() {
        XCTAssertEqual(run([]).code, 2)
        XCTAssertEqual(run(["no-such-command"]).code, 2)
        let bad = run(["version", "--no-such-option"])
        XCTAssertEqual(bad.code, 2)
        XCTAssertTrue(bad.err.contains("unknown option '--no-such-option'"))
        XCTAssertEqual(run(["version", "stray"]).code, 2)
    }

    /// Options shared by several commands are declared once (`Command.Option.threads`, …): each
    /// command lists the same declaration, so the help text cannot drift between commands.
    func testSharedOptionsHaveOneHelpText() {
        let users: [(Command.Option, [String])] = [
            (.threads, ["run", "encode", "bench"]), (.decoders, ["run", "encode"]),
            (.activation, ["inspect", "embed", "bench"]), (.pilotBatch, ["run", "encode"]),
        ]
        for (shared, commands) in users {
            for name in commands {
                let option = Command.named(name)?.options.first { $0.name == shared.name }
                XCTAssertEqual(option?.help, shared.help, "\(name) \(shared.name)")
            }
        }
        for command in Command.all {
            XCTAssertEqual(Set(command.options.map(\.name)).count, command.options.count, "\(command.name) declares an option twice")
        }
    }

    func testTyposGetSuggestions() {
        let command = run(["rnu", "pilot.json"])
        XCTAssertEqual(command.code, 2)
        XCTAssertTrue(command.err.contains("unknown command 'rnu' (did you mean 'run'?)"), command.err)
        let option = run(["render", "--stie", "x"])
        XCTAssertEqual(option.code, 2)
        XCTAssertTrue(option.err.contains("unknown option '--stie' (did you mean '--site'?)"), option.err)
        XCTAssertFalse(run(["render", "--zzzzzzzz"]).err.contains("did you mean"))
    }

    func testVersionNamesCommitAndCPU() {
        let result = run(["--version"])
        XCTAssertEqual(result.code, 0)
        XCTAssertTrue(result.out.hasPrefix("shiftlens \(ShiftLensCLI.version)\n"), result.out)
        XCTAssertTrue(result.out.contains("\ncommit: "), result.out)
        // What Package.swift compiled the suite for: SHIFTLENS_CPU (same environment as `swift test`), else native.
        let cpu = ProcessInfo.processInfo.environment["SHIFTLENS_CPU"].flatMap { $0.isEmpty ? nil : $0 } ?? "native"
        XCTAssertTrue(result.out.contains("\ncompiled for: \(cpu)"), result.out)
        XCTAssertEqual(run(["version"]).out, result.out)
    }

    /// Each script is checked by its shell's parser where that shell is installed; bash's is also run.
    func testCompletionScriptsParseAndComplete() throws {
        XCTAssertEqual(run(["completion", "tcsh"]).code, 2)
        for shell in ["bash", "zsh", "fish"] {
            let result = run(["completion", shell])
            XCTAssertEqual(result.code, 0, shell)
            for command in Command.all { XCTAssertTrue(result.out.contains(command.name), "\(shell): \(command.name)") }
            XCTAssertTrue(result.out.contains("fail-on"), shell)   // fish writes long options as `-l fail-on`
            guard let path = ["/usr/bin/", "/bin/", "/usr/local/bin/"].map({ $0 + shell }).first(where: FileManager.default.isExecutableFile) else {
                print("CLITests: \(shell) is not installed; its completion script was not parsed")
                continue
            }
            let script = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-completion-\(UUID().uuidString).\(shell)")
            try Data(result.out.utf8).write(to: script)
            defer { try? FileManager.default.removeItem(at: script) }
            XCTAssertEqual(try shellStatus(path, ["-n", script.path]).status, 0, "\(shell) -n")
        }
        // bash: complete a command name and an option of `run`.
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-completion-\(UUID().uuidString).bash")
        try Data(run(["completion", "bash"]).out.utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        let complete = { (words: String, index: Int) in
            try self.shellStatus("/bin/bash", ["-c", "source \(script.path); COMP_WORDS=(\(words)); COMP_CWORD=\(index); _shiftlens; echo \"${COMPREPLY[*]}\""]).out
        }
        XCTAssertEqual(try complete("shiftlens ren", 1), "render\n")
        XCTAssertEqual(try complete("shiftlens run --fail", 2), "--fail-on\n")
    }

    func shellStatus(_ shell: String, _ arguments: [String]) throws -> (status: Int32, out: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shell)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, out)
    }

    func testBinaryRunsEndToEnd() throws {
        let binary = productsDirectory.appendingPathComponent("shiftlens")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("shiftlens "))
    }
}

/// The folder holding the built products (the `shiftlens` binary sits beside the test bundle).
var productsDirectory: URL {
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        return bundle.bundleURL.deletingLastPathComponent()
    }
    return Bundle.main.bundleURL
}
