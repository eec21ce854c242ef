@testable import CLIP
@testable import Embeddings
import Foundation
@testable import ImageCodec
@testable import Pilot
@testable import Pipeline
@testable import Probes
@testable import ShiftLensCLI
@testable import Site
@testable import Support
@testable import Weights
import XCTest

/// The one error-to-message mapping (`ShiftLensCLI.report`, `ShiftLensError(step:path:error:hint:)`):
/// per error family, the exact text on standard error and the exit code.
final class ErrorReportTests: XCTestCase {
    private func report(_ error: any Error, _ command: String) -> (message: String, exitCode: Int32) {
        ShiftLensCLI.report(error, of: Command.named(command)!)
    }

    private func run(_ arguments: [String]) -> (code: Int32, err: String) {
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(arguments, console: captured.console)
        return (code, captured.err)
    }

    func testUsageErrorShowsTheSynopsisAndExitsTwo() {
        let result = run(["decode", "--bogus"])
        XCTAssertEqual(result.code, 2)
        XCTAssertEqual(result.err, """
            shiftlens decode: unknown option '--bogus' (did you mean '--out'?)
            usage: \(Command.named("decode")!.usage)
            See 'shiftlens decode --help'.
            """)
    }

    func testImageCodecErrorNamesTheFileItsCodeAndWhatToDo() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-not-an-image-\(UUID().uuidString).jpg")
        try Data("plain text".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = run(["decode", file.path, "--out", file.path + ".npy"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.err, """
            error: decode \(file.path): not a JPEG or PNG file [unknown_format]
            hint: only JPEG and PNG files are read (by content, not by name)
            """)
    }

    func testUnreadableInputFileSaysWhyAndWhatToCheck() {
        let missing = "/nonexistent-\(UUID().uuidString).png"
        let result = run(["decode", missing, "--out", "/tmp/unused.npy"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.err, "error: decode \(missing): cannot read the file: no such file\nhint: check the path")
    }

    func testWeightsErrorNamesItsOwnFileAndHint() {
        let error = WeightsError.legacyTorchFormat(path: "/models/old.pt")
        let shown = report(error, "inspect")
        XCTAssertEqual(shown.exitCode, 1)
        XCTAssertEqual(shown.message, "error: inspect /models/old.pt: \(error.message)\nhint: \(error.hint)")
        XCTAssertTrue(shown.message.contains("legacy torch.save format"))
    }

    func testCLIPErrorGetsTheHintOfItsCase() {
        let shown = report(CLIPError.noTextTower, "embed")
        XCTAssertEqual(shown.exitCode, 1)
        XCTAssertEqual(shown.message, """
            error: embed: the checkpoint has no text tower (vision-only weights)
            hint: use a checkpoint that includes the text tower, or leave out --text
            """)
    }

    func testPilotErrorPointsToTheSpecDocumentation() {
        let error = PilotError.missingKey(file: "/p/pilot.json", path: "models")
        let shown = report(error, "run")
        XCTAssertEqual(shown.exitCode, 1)
        XCTAssertEqual(shown.message, "error: run: \(error)\nhint: see docs/pilot-spec.md; `shiftlens init DIR` writes a commented example")
    }

    func testAssetsErrorSaysHowToInstall() {
        let shown = report(Assets.Error.notAssetsFolder("/tmp/nothing"), "demo")
        XCTAssertEqual(shown.exitCode, 1)
        XCTAssertEqual(shown.message, """
            error: demo: SHIFTLENS_ASSETS=/tmp/nothing is not a shiftlens assets folder (it has no imagenet/classnames.txt)
            hint: install shiftlens with scripts/install.sh --prefix DIR, or set SHIFTLENS_ASSETS to the assets/ folder of a checkout
            """)
    }

    func testSiteTemplateErrorSaysNothingElseChanged() {
        let shown = report(SiteError.template(file: "run.html", line: 3, message: "unclosed {{#if}}"), "render")
        XCTAssertEqual(shown.exitCode, 1)
        XCTAssertEqual(shown.message, """
            error: render: run.html:3: unclosed {{#if}}
            hint: fix the template named above; nothing else was changed by this error
            """)
        XCTAssertEqual(report(SiteError.catalog("ja.json: missing key"), "render").message, "error: render: message catalogue: ja.json: missing key")
    }

    func testStoreProbeAndArrayErrorsShowTheirDescription() {
        XCTAssertEqual(report(EmbeddingsError.corrupt(path: "/s/v1", message: "bad keys"), "merge").message,
                       "error: merge: /s/v1: damaged embedding store: bad keys")
        XCTAssertEqual(report(ProbesError.shape("H is 3×4, W is 5×6"), "probe").message, "error: probe: shape mismatch: H is 3×4, W is 5×6")
        XCTAssertEqual(report(CancellationError(), "run").message, "error: run: interrupted")
    }

    func testFoundationErrorsShowTheirLocalizedDescription() {
        let error = CocoaError(.fileNoSuchFile)
        XCTAssertEqual(report(error, "probe").message, "error: probe: \(error.localizedDescription)")
    }

    func testAShiftLensErrorKeepsItsOwnStep() {
        let error = ShiftLensError(step: "read labels", path: "/l.txt", message: "line 2: 'x' is not a class index", hint: "one per line")
        let shown = report(error, "probe")
        XCTAssertEqual(shown.exitCode, 1)
        XCTAssertEqual(shown.message, "error: read labels /l.txt: line 2: 'x' is not a class index\nhint: one per line")
    }

    func testAttributingNamesTheStepFileAndHintButLetsCancellationThrough() {
        XCTAssertThrowsError(try attributing(step: "bench", path: "/i/a.jpg", hint: "remove the file from the folder") {
            throw ImageCodecError.truncated("scan data")
        }) { error in
            XCTAssertEqual("\(error)", "error: bench /i/a.jpg: truncated file: scan data [truncated]\nhint: remove the file from the folder")
        }
        XCTAssertThrowsError(try attributing(step: "run") { throw CancellationError() }) { error in
            XCTAssertTrue(error is CancellationError)
        }
        XCTAssertEqual(try attributing(step: "run") { 7 }, 7)
    }
}
