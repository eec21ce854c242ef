import Foundation
@testable import Results
@testable import ShiftLensCLI
@testable import Site
import XCTest

/// `shiftlens render` end to end on a small stored site.
final class RenderCommandTests: XCTestCase {
    var root: URL!
    var site: URL { root.appendingPathComponent("site") }

    static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let zeroShot = { (top1: Double) in
            ZeroShotResult(count: 100, top1Correct: Int(top1 * 100), top1: top1, top1CI: Interval(lower: top1 - 0.08, upper: top1 + 0.07),
                           top5Correct: 100, top5: 1, top5CI: Interval(lower: 0.96, upper: 1), perClass: [])
        }
        let results = RunResults(
            pilot: PilotSummary(name: "demo", title: "Demo <pilot>", language: "en"), runID: "2026-11-26T2000Z-0001",
            createdAt: "2026-11-26T20:00:00Z", toolVersion: ShiftLensCLI.version,
            models: [ModelSummary(name: "tiny", sha256: String(repeating: "0", count: 64), family: "ViT-T/16", activation: "gelu")],
            domains: [DomainSummary(name: "nominal", role: .reference, isLabelled: true, imageCount: 100),
                      DomainSummary(name: "night", role: .shift, isLabelled: true, imageCount: 100)],
            probes: [ModelDomainProbes(model: "tiny", domain: "nominal", results: ProbeResults(zeroShot: zeroShot(0.8))),
                     ModelDomainProbes(model: "tiny", domain: "night", results: ProbeResults(zeroShot: zeroShot(0.7)))],
            effectiveRobustness: [EffectiveRobustness(model: "tiny", points: [
                RobustnessPoint(domain: "night", referenceAccuracy: 0.8, accuracy: 0.7, relativeAccuracy: 0.875, drop: 0.1)])],
            verdicts: Verdicts(models: [ModelVerdict(model: "tiny", status: .pass, reasons: [])],
                               shifts: [ShiftVerdict(model: "tiny", domain: "night", status: .pass, reasons: [])]),
            criteria: Criteria(minAccuracy: 0.6), seeds: Seeds(base: 1))
        let builder = try SiteBuilder(siteDirectory: site, templatesDirectory: Self.packageRoot.appendingPathComponent("templates"),
                                      assetsDirectory: Self.packageRoot.appendingPathComponent("assets"))
        try builder.addRun(results: results, manifestJSON: Data("{}".utf8))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let captured = CapturedConsole()
        let code = ShiftLensCLI.run(arguments, console: captured.console)
        return (code, captured.out, captured.err)
    }

    var resourceOptions: [String] {
        ["--templates", Self.packageRoot.appendingPathComponent("templates").path, "--assets", Self.packageRoot.appendingPathComponent("assets").path]
    }

    func testRenderRebuildsEveryPage() throws {
        let page = site.appendingPathComponent("pilots/demo/2026-11-26T2000Z-0001/models/tiny.html")
        try FileManager.default.removeItem(at: page)
        let result = run(["render", "--site", site.path] + resourceOptions)
        XCTAssertEqual(result.code, 0, result.err)
        XCTAssertEqual(result.out, "rendered 7 pages of 1 run into \(site.path)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: page.path))
        XCTAssertTrue(try String(contentsOf: page, encoding: .utf8).contains("Demo &lt;pilot&gt;"))
    }

    func testRenderErrorsAreExitCodes() throws {
        let missing = run(["render", "--site", root.appendingPathComponent("nothing").path] + resourceOptions)
        XCTAssertEqual(missing.code, 1)
        XCTAssertTrue(missing.err.contains("no site folder here"))
        XCTAssertEqual(run(["render", "--site", site.path, "--language", "fr"] + resourceOptions).code, 2)

        let templates = root.appendingPathComponent("templates")
        try FileManager.default.copyItem(at: Self.packageRoot.appendingPathComponent("templates"), to: templates)
        try Data("{{> head}}\n<body>{{#each nope}}\n".utf8).write(to: templates.appendingPathComponent("index.html"))
        let broken = run(["render", "--site", site.path, "--templates", templates.path, "--assets", Self.packageRoot.appendingPathComponent("assets").path])
        XCTAssertEqual(broken.code, 1)
        XCTAssertTrue(broken.err.contains("index.html:2:"), broken.err)
    }
}
