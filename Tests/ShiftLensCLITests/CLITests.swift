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
