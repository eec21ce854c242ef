import Foundation
@testable import Results
@testable import Site
import XCTest

/// The pages as a browser lays them out (headless Chromium over the DevTools protocol): nothing
/// wider than the window at 1280 px — wide tables wrap or stack, nothing hides behind a scroll bar
/// — and the packet, in print media, no wider than A4 and with its cover on one page. Skips when
/// Chromium is missing unless SHIFTLENS_REQUIRE_CHROMIUM=1 (CI), which makes that a failure.
final class BrowserLayoutTests: XCTestCase {
    /// A4 minus the packet's page margins (`@page { margin: 14mm 14mm 16mm }`), in CSS px (96 per inch).
    static let printWidth = Int((210.0 - 28) / 25.4 * 96)
    static let printHeight = Int((297.0 - 30) / 25.4 * 96)

    func chromium() throws -> Chromium {
        guard let path = Chromium.executable() else {
            if ProcessInfo.processInfo.environment["SHIFTLENS_REQUIRE_CHROMIUM"] == "1" {
                XCTFail("SHIFTLENS_REQUIRE_CHROMIUM=1 but no Chromium was found (apt-get install -y chromium, or set SHIFTLENS_CHROMIUM)")
            }
            throw XCTSkip("headless Chromium not found: apt-get install -y chromium (or set SHIFTLENS_CHROMIUM) to check the layout")
        }
        return try Chromium(executable: path)
    }

    /// The demo's size: eight evaluated models (the fixture's three and five more, named like the demo's),
    /// so that the cover's verdict lines and key numbers have as many rows as the demo's.
    static func eightModels(language: String) -> RunResults {
        var results = SiteFixture.results(language: language)
        let template = results.models[0].name
        for number in 1...5 {
            let name = "vit-b32-laion-\(number)"
            results.models.append(ModelSummary(name: name, sha256: String(repeating: String(number), count: 64), family: "ViT-B/32", activation: "gelu"))
            results.probes += results.probes.filter { $0.model == template }.map { var entry = $0; entry.model = name; return entry }
            results.effectiveRobustness += results.effectiveRobustness.filter { $0.model == template }.map { var entry = $0; entry.model = name; return entry }
            results.verdicts.models += results.verdicts.models.filter { $0.model == template }.map { var entry = $0; entry.model = name; return entry }
            results.verdicts.shifts += results.verdicts.shifts.filter { $0.model == template }.map { var entry = $0; entry.model = name; return entry }
        }
        return results
    }

    /// Elements sticking out past the window's right edge, as `tag.class width` (at most 5), the document's
    /// width and the packet cover's height.
    static let overflow = """
        (() => {
          const limit = document.documentElement.clientWidth;
          const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > limit + 0.5)
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ? '.' + e.className : '')
              + ' ' + Math.round(e.getBoundingClientRect().width) + 'px');
          return JSON.stringify({width: document.documentElement.scrollWidth, limit: limit, wide: wide,
                                 cover: document.querySelector('.cover') ? document.querySelector('.cover').getBoundingClientRect().height : 0});
        })()
        """

    struct Layout: Decodable {
        var width: Double
        var limit: Double
        var wide: [String]
        var cover: Double
    }

    func measure(_ browser: Chromium, _ page: URL, width: Int, print: Bool = false) throws -> Layout {
        let value = try browser.evaluate(Self.overflow, at: page, width: width, print: print)
        return try JSONDecoder().decode(Layout.self, from: Data((value as? String ?? "").utf8))
    }

    func testNoPageOverflowsAt1280AndThePacketCoverFitsOneA4Page() throws {
        let browser = try chromium()
        let site = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        var folders: [URL] = []
        for language in ["en", "ja"] {
            var results = Self.eightModels(language: language)
            results.pilot.name = "layout-\(language)"
            folders.append(try SiteFixture.builder(site: site).addRun(results: results, classNames: SiteFixture.classNames, manifestJSON: SiteFixture.manifest))
        }
        for folder in folders {
            let pages = ["index.html", "shifts/sketch.html", "shifts/reference.html"]
                + (try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("models").path)).sorted().prefix(1).map { "models/" + $0 }
            for name in pages {
                let layout = try measure(browser, folder.appendingPathComponent(name), width: 1280)
                XCTAssertLessThanOrEqual(layout.width, layout.limit, "\(folder.lastPathComponent)/\(name) is wider than 1280 px: \(layout.wide)")
            }
            let packet = try measure(browser, folder.appendingPathComponent("packet.html"), width: Self.printWidth, print: true)
            XCTAssertLessThanOrEqual(packet.width, packet.limit, "\(folder.lastPathComponent)/packet.html is wider than A4 in print: \(packet.wide)")
            XCTAssertGreaterThan(packet.cover, 200, "the packet has a cover")
            XCTAssertLessThanOrEqual(packet.cover, Double(Self.printHeight), "\(folder.lastPathComponent)/packet.html: the cover does not fit one A4 page")
        }
    }

    /// The check itself: a page made wider than the window is caught, with the culprit named.
    func testAWidePageIsCaught() throws {
        let browser = try chromium()
        let folder = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let page = folder.appendingPathComponent("wide.html")
        try Data("<!DOCTYPE html><html><body><table class=\"data\"><tr><td>\(String(repeating: "x", count: 400))</td></tr></table></body></html>".utf8).write(to: page)
        let layout = try measure(browser, page, width: 1280)
        XCTAssertGreaterThan(layout.width, layout.limit)
        XCTAssertTrue(layout.wide.contains { $0.hasPrefix("table.data ") }, "\(layout.wide)")
    }
}
