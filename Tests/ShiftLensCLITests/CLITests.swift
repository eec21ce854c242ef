import Foundation
@testable import Pipeline
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

    /// Options shared by several commands are declared once, in option groups: each command lists
    /// the same group, so the help text cannot drift between commands.
    func testSharedOptionsComeFromOneGroup() {
        let users: [(any OptionGroup.Type, [String])] = [
            (ComputeOptions.self, ["run", "encode", "embed", "bench"]), (PilotEncodingOptions.self, ["run", "encode"]),
            (ModelSelection.self, ["embed", "bench"]), (CheckpointSettings.self, ["inspect"]),
            (ProbeSwitches.self, ["probe"]), (ConceptProbeOptions.self, ["probe"]),
        ]
        for (group, commands) in users {
            for name in commands {
                let command = Command.named(name)
                XCTAssertTrue(command?.groups.contains { $0 == group } ?? false, "\(name) takes \(group)")
                for shared in group.options {
                    XCTAssertEqual(command?.options.first { $0.name == shared.name }?.help, shared.help, "\(name) \(shared.name)")
                }
            }
        }
        for command in Command.all {
            XCTAssertEqual(Set(command.options.map(\.name)).count, command.options.count, "\(command.name) declares an option twice")
        }
    }

    /// `--help` lists a command's own options under "options:", then each group under its heading.
    func testHelpListsGroupsUnderHeadings() throws {
        let help = run(["run", "--help"]).out
        let own = try XCTUnwrap(help.range(of: "\noptions:\n")), encoding = try XCTUnwrap(help.range(of: "\nencoding options:\n"))
        let compute = try XCTUnwrap(help.range(of: "\ncompute options:\n"))
        XCTAssertLessThan(own.lowerBound, encoding.lowerBound)
        XCTAssertLessThan(encoding.lowerBound, compute.lowerBound)
        XCTAssertTrue(help[own.upperBound..<encoding.lowerBound].contains("--fail-on fail|watch"), help)
        XCTAssertTrue(help[own.upperBound..<encoding.lowerBound].contains("--help"), help)
        XCTAssertFalse(help[own.upperBound..<encoding.lowerBound].contains("--threads"), help)
        XCTAssertTrue(help[encoding.upperBound..<compute.lowerBound].contains("--decoders N"), help)
        XCTAssertTrue(help[compute.upperBound...].contains("--threads N"), help)
        XCTAssertTrue(help[compute.upperBound...].contains("--precision P"), help)
        // embed takes --threads too (it did not before the groups).
        let embed = run(["embed", "--help"]).out
        XCTAssertTrue(embed.contains("\ncompute options:\n  --threads N"), embed)
        XCTAssertTrue(embed.contains("\nmodel options:\n  --model W"), embed)
        XCTAssertTrue(run(["probe", "--help"]).out.contains("\nprobe suite options:\n  --seed S"))
    }

    /// A bad value in a group is a usage error (exit 2) found when the command line is parsed,
    /// before any work: here before the (missing) pilot spec or checkpoint is read, which would be exit 1.
    func testBadGroupValuesAreUsageErrorsBeforeAnyWork() {
        let missing = "/nonexistent-\(UUID().uuidString)"
        let cases: [([String], String)] = [
            (["run", missing + "/pilot.json", "--threads", "0"], "--threads must be a whole number in 1...256, not '0'"),
            (["run", missing + "/pilot.json", "--precision", "fp16"], "--precision must be fp32 or bf16, not 'fp16'"),
            (["encode", missing + "/pilot.json", "--shard", "0/2", "--decoders", "x"], "--decoders must be a whole number in 1...64, not 'x'"),
            (["encode", missing + "/pilot.json", "--shard", "0/2", "--batch", "0"], "--batch must be a whole number in 1...4096, not '0'"),
            (["embed", "--model", missing + "/w.safetensors", "--text", missing, "--out-text", missing, "--threads", "many"],
             "--threads must be a whole number in 1...256, not 'many'"),
            (["embed", "--text", missing, "--out-text", missing], "missing required option --model"),
            (["bench", "--model", missing + "/w.safetensors", "--activation", "relu"], "--activation must be gelu or quick_gelu, not 'relu'"),
            (["inspect", missing, "--activation", "relu"], "--activation must be gelu or quick_gelu, not 'relu'"),
            (["probe", "--embeddings", missing, "--head", missing, "--seed", "-1"], "--seed must be a whole number in 0..."),
            (["probe", "--embeddings", missing, "--head", missing, "--concept-threshold", "2"], "--concept-threshold must be a correlation in -1…1"),
        ]
        for (arguments, message) in cases {
            let result = run(arguments)
            XCTAssertEqual(result.code, 2, arguments.joined(separator: " "))
            XCTAssertTrue(result.err.contains(message), "\(arguments.joined(separator: " ")): \(result.err)")
        }
    }

    func testGroupValuesAreTyped() throws {
        let embed = try Invocation(parsing: ["--model", "w.safetensors", "--threads", "3", "--precision", "bf16", "--activation", "quick_gelu"],
                                   for: .embed)
        XCTAssertEqual(embed.group(ComputeOptions.self).threads, 3)
        XCTAssertEqual(embed.group(ComputeOptions.self).precision, .bf16)
        XCTAssertEqual(embed.group(ModelSelection.self).path, "w.safetensors")
        XCTAssertEqual(embed.group(ModelSelection.self).settings.activation, .quickGelu)
        let run = try Invocation(parsing: ["pilot.json"], for: .run)
        XCTAssertNil(run.group(ComputeOptions.self).threads)
        XCTAssertNil(run.group(ComputeOptions.self).precision)
        XCTAssertNil(run.group(PilotEncodingOptions.self).batchSize)
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
