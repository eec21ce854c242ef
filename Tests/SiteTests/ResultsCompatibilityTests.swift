import Foundation
@testable import Site
@testable import Support
import XCTest

/// Runs stored by earlier versions must keep rendering exactly as they did: results.json files
/// of schema version 1 (written by the build of commit 43d19e2, with skipped images, probe notes,
/// a baseline line from a CSV and a model marked baseline, model verdicts) are rendered by this
/// build and every page's SHA-256 is compared with the page that build rendered from them
/// (`Fixtures/v1-results/make_v1_results.py`). A deliberate change of the pages (a sentence, a
/// column) renews the digests with `--rerender`, which records why in pages.json.
final class ResultsCompatibilityTests: XCTestCase {
    static let folder = SiteFixture.fixtures.appendingPathComponent("v1-results")

    func testVersion1RunsRenderAsTheyDid() throws {
        let expected = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("pages.json"))) as? [String: Any])
        let pages = try XCTUnwrap(expected["pages"] as? [String: String])
        var compared = 0
        for language in ["en", "ja"] {
            let site = FileManager.default.temporaryDirectory.appendingPathComponent("shiftlens-v1-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: site) }
            try FileManager.default.copyItem(at: Self.folder.appendingPathComponent(language), to: site)
            let builder = try SiteBuilder(
                siteDirectory: site, templatesDirectory: SiteFixture.packageRoot.appendingPathComponent("templates"),
                assetsDirectory: SiteFixture.packageRoot.appendingPathComponent("assets"), indexLanguage: language)
            try builder.renderAll()
            for (name, digest) in pages where name.hasPrefix(language + "/") {
                let page = site.appendingPathComponent(String(name.dropFirst(language.count + 1)))
                let bytes = try Data(contentsOf: page)
                XCTAssertEqual(SHA256.hex(bytes), digest, "\(name) renders differently from the version that wrote its results.json")
                compared += 1
            }
        }
        XCTAssertEqual(compared, pages.count)
        XCTAssertGreaterThan(compared, 10)
    }
}
