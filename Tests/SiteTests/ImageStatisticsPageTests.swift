import Foundation
@testable import Results
@testable import Site
import XCTest

/// "What changed in the images" on the shift pages and in the packet.
final class ImageStatisticsPageTests: XCTestCase {
    typealias Summary = ImageStatisticsSummary

    /// night: much darker (clear), slightly smaller (clear), saturation unchanged (interval includes 0);
    /// a fifth of it grayscale where the reference has none.
    static func results(language: String) -> RunResults {
        var results = VerdictLineTests.results(language: language)
        let reference = Summary(imageCount: 200, means: [
            .init(measure: .brightness, count: 200, mean: 0.55, interval: Interval(lower: 0.53, upper: 0.57)),
            .init(measure: .saturation, count: 200, mean: 0.30, interval: Interval(lower: 0.28, upper: 0.32)),
            .init(measure: .width, count: 200, mean: 500, interval: Interval(lower: 490, upper: 510)),
        ], grayscale: .init(count: 0, share: 0, interval: Interval(lower: 0, upper: 0.018)))
        let night = Summary(imageCount: 200, means: [
            .init(measure: .brightness, count: 200, mean: 0.21, interval: Interval(lower: 0.2, upper: 0.22),
                  difference: -0.34, differenceInterval: Interval(lower: -0.36, upper: -0.32)),
            .init(measure: .saturation, count: 200, mean: 0.29, interval: Interval(lower: 0.27, upper: 0.31),
                  difference: -0.01, differenceInterval: Interval(lower: -0.04, upper: 0.02)),
            .init(measure: .width, count: 200, mean: 450, interval: Interval(lower: 440, upper: 460),
                  difference: -50, differenceInterval: Interval(lower: -64, upper: -36)),
        ], grayscale: .init(count: 40, share: 0.2, interval: Interval(lower: 0.147, upper: 0.262), difference: 0.2))
        results.domains = [
            DomainSummary(name: "day", role: .reference, isLabelled: true, imageCount: 200, imageStatistics: reference),
            DomainSummary(name: "night", role: .shift, isLabelled: true, imageCount: 200, imageStatistics: night),
            DomainSummary(name: "sketch", role: .shift, isLabelled: true, imageCount: 200),
            DomainSummary(name: "fog", role: .shift, isLabelled: true, imageCount: 200),
        ]
        return results
    }

    func testShiftPageListsTheLargestClearDifferencesFirst() throws {
        let site = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        let folder = try SiteFixture.builder(site: site).addRun(results: Self.results(language: "en"), classNames: [], manifestJSON: Data("{}".utf8))
        let page = SiteChecks.read(folder.appendingPathComponent("shifts/night.html"))
        // Grayscale 0 → 20% (relative change infinite), brightness −62%, width −10%; saturation is not clear.
        XCTAssertTrue(page.contains("<p>Compared with the reference: grayscale share 20.0% vs 0.0%, brightness 0.21 vs 0.55 and width (px) 450 vs 500.</p>"), page)
        XCTAssertTrue(page.contains("<tr><th scope=\"row\">brightness</th><td class=\"num\">0.21</td><td class=\"num\">0.20–0.22</td><td class=\"num\">0.55</td><td class=\"num\">−0.34</td><td class=\"num\">−0.36 to −0.32</td></tr>"))
        let order = ["grayscale share", "brightness", "width (px)", "saturation"].map { page.range(of: "<th scope=\"row\">\($0)</th>")?.lowerBound }
        XCTAssertEqual(order.compactMap { $0 }, order.compactMap { $0 }.sorted())
        XCTAssertEqual(order.compactMap { $0 }.count, 4)
        // The reference page: means only; a run without statistics shows no section.
        let reference = SiteChecks.read(folder.appendingPathComponent("shifts/day.html"))
        XCTAssertTrue(reference.contains("<tr><th scope=\"row\">brightness</th><td class=\"num\">0.55</td><td class=\"num\">0.53–0.57</td></tr>"))
        XCTAssertFalse(reference.contains("Compared with the reference"))
        XCTAssertFalse(SiteChecks.read(folder.appendingPathComponent("shifts/sketch.html")).contains("What changed in the images"))
        let packet = SiteChecks.read(folder.appendingPathComponent("packet.html"))
        XCTAssertTrue(packet.contains("<p>Compared with the reference: grayscale share 20.0% vs 0.0%, brightness 0.21 vs 0.55 and width (px) 450 vs 500.</p>"))
    }

    func testJapaneseSentenceHasNoSpacesAroundNumbers() throws {
        let context = PageContext(run: SiteRun(results: Self.results(language: "ja"), classNames: []),
                                  catalog: try Catalog(language: "ja", directory: CatalogTests.i18n))
        let night = try XCTUnwrap(Self.results(language: "ja").domains.first { $0.name == "night" })
        XCTAssertEqual(try context.imageChangeSentence(night), "参照と比べて：グレースケールの割合20.0%（参照0.0%）、明るさ0.21（参照0.55）、幅（px）450（参照500）。")
    }
}
