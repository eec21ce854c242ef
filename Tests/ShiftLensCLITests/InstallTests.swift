import Foundation
import XCTest

/// `scripts/install.sh` and the installed layout, end to end: the binary this test suite was
/// built with is installed into a temporary prefix, and the installed copy alone — started by
/// its path and through PATH, from a folder unrelated to the checkout, without SHIFTLENS_ASSETS —
/// runs the demo and re-renders the site.
///
/// The test installs the suite's (debug) build with `--binary` so that it needs no release
/// build; what it checks — the layout and how the binary finds it — is the same for both.
/// `scripts/install.sh --prefix DIR` without `--binary` builds and installs the release binary.
final class InstallTests: XCTestCase {
    struct Result { let code: Int32; let out: String; let err: String }

    func execute(_ executable: URL, _ arguments: [String], in folder: URL, environment: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.environment = environment
        // Standard error goes to a file, so that neither stream can fill a pipe and block the process.
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-install-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errFile) }
        let out = Pipe(), err = try FileHandle(forWritingTo: errFile)
        defer { try? err.close() }
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(code: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                      err: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
    }

    func testInstalledBinaryRunsTheDemoFromAnUnrelatedFolder() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-install-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let prefix = root.appendingPathComponent("prefix"), work = root.appendingPathComponent("work"), links = root.appendingPathComponent("links")
        for folder in [work, links] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        var environment = ProcessInfo.processInfo.environment
        environment["SHIFTLENS_ASSETS"] = nil

        let install = try execute(URL(fileURLWithPath: "/bin/sh"), [
            RenderCommandTests.packageRoot.appendingPathComponent("scripts/install.sh").path,
            "--prefix", prefix.path, "--binary", productsDirectory.appendingPathComponent("shiftlens").path,
        ], in: work, environment: environment)
        XCTAssertEqual(install.code, 0, install.err)
        let installed = prefix.appendingPathComponent("bin/shiftlens")
        XCTAssertEqual(install.out, installed.path + "\n")
        for file in ["bin/shiftlens", "share/shiftlens/assets/imagenet/classnames.txt", "share/shiftlens/assets/site.css",
                     "share/shiftlens/assets/demo-models/demo-diverse/open_clip_model.safetensors", "share/shiftlens/templates/run.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: prefix.appendingPathComponent(file).path), file)
        }

        let demo = try execute(installed, ["demo", "--site", "site", "--data", "demo-data"], in: work, environment: environment)
        XCTAssertEqual(demo.code, 0, demo.err)
        let page = URL(fileURLWithPath: demo.out.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertTrue(page.path.hasPrefix(work.appendingPathComponent("site/pilots/").path), page.path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: page.path), page.path)

        // Through PATH, via a symbolic link in another folder: argv[0] is a bare name there.
        try FileManager.default.createSymbolicLink(at: links.appendingPathComponent("shiftlens"), withDestinationURL: installed)
        environment["PATH"] = links.path + ":/usr/bin:/bin"
        let render = try execute(URL(fileURLWithPath: "/bin/sh"), ["-c", "shiftlens render --site site"], in: work, environment: environment)
        XCTAssertEqual(render.code, 0, render.err)
        XCTAssertTrue(render.out.hasPrefix("rendered "), render.out)
    }
}
