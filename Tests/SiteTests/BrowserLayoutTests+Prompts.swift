import Foundation
@testable import Results
@testable import Site
import XCTest

/// The prompt probe's pages in a browser: its model-page table (many templates, every image set)
/// stays within 1280 px, and the packet's cover still fits one A4 page when every model's
/// recommendation is `improve_prompts`, its longest sentence (three sentences, the templates quoted),
/// for four models as in the demo (eight models' recommendations of `adapt` do not fit either).
extension BrowserLayoutTests {
    func testPromptPagesFitAndThePacketCoverStillFitsWithImprovePrompts() throws {
        let browser = try chromium()
        let site = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        for language in ["en", "ja"] {
            var results = Self.eightModels(language: language)
            results.pilot.name = "prompts-\(language)"
            let templates = (0..<80).map { "a low-resolution, slightly blurry photo number \($0) of the {c}." }
            for index in results.probes.indices where results.probes[index].results.zeroShot != nil {
                var prompts = PromptPagesTests.prompts(ensemble: 320, subset: 332, gain: (0.01, 0.05))
                prompts.templates = templates.map { PromptPagesTests.accuracy(300, 400, $0) }
                prompts.subset?.templates = [3, 41, 77]
                results.probes[index].results.prompts = prompts
            }
            results.nextSteps = results.models.prefix(4).map { model in
                NextStep(model: model.name, code: .improvePrompts, domain: "reference", domains: [], value: 0.83, limit: 0.8,
                         ci: Interval(lower: 0.01, upper: 0.05), templates: [templates[3], templates[41], templates[77]])
            }
            let folder = try SiteFixture.builder(site: site).addRun(results: results, classNames: SiteFixture.classNames, manifestJSON: SiteFixture.manifest)
            let model = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("models").path).sorted()[0]
            for name in ["models/" + model, "shifts/reference.html"] {
                let layout = try measure(browser, folder.appendingPathComponent(name), width: 1280)
                XCTAssertLessThanOrEqual(layout.width, layout.limit, "\(language) \(name) is wider than 1280 px: \(layout.wide)")
            }
            let packet = try measure(browser, folder.appendingPathComponent("packet.html"), width: Self.printWidth, print: true)
            XCTAssertLessThanOrEqual(packet.width, packet.limit, "\(language) packet.html is wider than A4 in print: \(packet.wide)")
            XCTAssertLessThanOrEqual(packet.cover, Double(Self.printHeight), "\(language) packet.html: the cover does not fit one A4 page (\(packet.cover))")
        }
    }
}
