import Foundation
@testable import Results
@testable import Site
import XCTest

/// One verdict line per model — status, the most important reason, its number — on the run
/// overview (other reasons collapsed) and on the packet's cover beside the key numbers.
final class VerdictLineTests: XCTestCase {
    static func zeroShot(_ top1: Double, difference: Double? = nil) -> ZeroShotResult {
        ZeroShotResult(count: 200, top1Correct: Int(top1 * 200), top1: top1, top1CI: Interval(lower: top1 - 0.05, upper: top1 + 0.04),
                       top5Correct: 200, top5: 1, top5CI: Interval(lower: 0.98, upper: 1), perClass: [],
                       differenceFromReference: difference.map { BootstrapDifference(difference: $0, ci: Interval(lower: $0 - 0.06, upper: $0 + 0.05), resamples: 100, seed: 1) })
    }

    /// "weak" fails on two shifts (accuracy 41% on sketch, 55% on night, and a relative drop on
    /// both) and watches one; "strong" passes, keeping 96.6% on its hardest shift.
    static func results(language: String) -> RunResults {
        let shifts: [(name: String, weak: Double, strong: Double)] = [("night", 0.55, 0.86), ("sketch", 0.41, 0.84), ("fog", 0.66, 0.87)]
        var probes: [ModelDomainProbes] = [
            ModelDomainProbes(model: "weak", domain: "day", results: ProbeResults(zeroShot: zeroShot(0.8))),
            ModelDomainProbes(model: "strong", domain: "day", results: ProbeResults(zeroShot: zeroShot(0.87))),
        ]
        var points: [String: [RobustnessPoint]] = [:]
        var shiftVerdicts: [ShiftVerdict] = []
        for shift in shifts {
            for (model, top1, reference) in [("weak", shift.weak, 0.8), ("strong", shift.strong, 0.87)] {
                probes.append(ModelDomainProbes(model: model, domain: shift.name, results: ProbeResults(zeroShot: zeroShot(top1, difference: top1 - reference))))
                points[model, default: []].append(RobustnessPoint(domain: shift.name, referenceAccuracy: reference, accuracy: top1,
                                                                  relativeAccuracy: top1 / reference, drop: reference - top1))
            }
        }
        func drop(_ top1: Double) -> Double { 1 - top1 / 0.8 }
        shiftVerdicts.append(ShiftVerdict(model: "weak", domain: "night", status: .fail, reasons: [
            VerdictReason(code: .accuracyBelowMinimum, status: .fail, value: 0.55, limit: 0.6),
            VerdictReason(code: .relativeDropAboveMaximum, status: .fail, value: drop(0.55), limit: 0.2),
        ]))
        shiftVerdicts.append(ShiftVerdict(model: "weak", domain: "sketch", status: .fail, reasons: [
            VerdictReason(code: .relativeDropAboveMaximum, status: .fail, value: drop(0.41), limit: 0.2),
            VerdictReason(code: .accuracyBelowMinimum, status: .fail, value: 0.41, limit: 0.6),
        ]))
        shiftVerdicts.append(ShiftVerdict(model: "weak", domain: "fog", status: .watch, reasons: [
            VerdictReason(code: .relativeDropNearMaximum, status: .watch, value: drop(0.66), limit: 0.2),
        ]))
        for shift in shifts {
            shiftVerdicts.append(ShiftVerdict(model: "strong", domain: shift.name, status: .pass, reasons: [
                VerdictReason(code: .criteriaMet, status: .pass),
            ]))
        }
        let weakReasons = shiftVerdicts.filter { $0.model == "weak" }.flatMap { verdict in
            verdict.reasons.map { reason in
                var named = reason
                named.domain = verdict.domain
                return named
            }
        }
        return RunResults(
            pilot: PilotSummary(name: "lines-\(language)", title: "Verdict lines", language: language), runID: "2026-12-01T1000Z-0001",
            createdAt: "2026-12-01T10:00:00Z", toolVersion: "0.1.0",
            models: [ModelSummary(name: "weak", sha256: String(repeating: "1", count: 64), family: "ViT-B/32", activation: "gelu"),
                     ModelSummary(name: "strong", sha256: String(repeating: "2", count: 64), family: "ViT-L/14", activation: "gelu")],
            domains: [DomainSummary(name: "day", role: .reference, isLabelled: true, imageCount: 200)]
                + shifts.map { DomainSummary(name: $0.name, role: .shift, isLabelled: true, imageCount: 200) },
            probes: probes,
            effectiveRobustness: [EffectiveRobustness(model: "weak", points: points["weak"] ?? []),
                                  EffectiveRobustness(model: "strong", points: points["strong"] ?? [])],
            verdicts: Verdicts(models: [ModelVerdict(model: "weak", status: .fail, reasons: weakReasons),
                                        ModelVerdict(model: "strong", status: .pass, reasons: [])],
                               shifts: shiftVerdicts),
            criteria: Criteria(minAccuracy: 0.6, maxRelativeDrop: 0.2), seeds: Seeds(base: 1))
    }

    func context(_ language: String) throws -> PageContext {
        PageContext(run: SiteRun(results: Self.results(language: language)), catalog: try Catalog(language: language, directory: CatalogTests.i18n))
    }

    func testThePrimaryReasonIsTheWorstStatusThenTheMostTellingCodeThenTheLargestExcess() throws {
        let context = try context("en")
        let primary = try XCTUnwrap(PageContext.primaryReason(context.locatedReasons("weak")))
        // Fail before watch; a measured accuracy below the minimum before a relative drop; of
        // the two accuracies below the minimum, sketch's 41% lies furthest below it.
        XCTAssertEqual(primary.domain, "sketch")
        XCTAssertEqual(primary.reason.code, .accuracyBelowMinimum)
        let watchOnly = context.locatedReasons("weak").filter { $0.reason.status == .watch }
        XCTAssertEqual(PageContext.primaryReason(watchOnly)?.domain, "fog")
        XCTAssertNil(PageContext.primaryReason([]))
        // Above the limit is worse for drops: the larger drop wins.
        let drops = context.locatedReasons("weak").filter { $0.reason.code == .relativeDropAboveMaximum }
        XCTAssertEqual(PageContext.primaryReason(drops)?.domain, "sketch")
    }

    func testHeadlinesInBothLanguages() throws {
        let en = try context("en"), ja = try context("ja")
        XCTAssertEqual(try en.headline("weak").text, "sketch: accuracy 41.0%, below the minimum of 60.0%")
        XCTAssertEqual(try en.headline("weak").reasonCount, 5)
        XCTAssertEqual(try ja.headline("weak").text, "sketch：精度41.0%、最低基準60.0%を下回る")
        // A model that passes: its hardest shift and how much accuracy it keeps there (0.84 / 0.87).
        XCTAssertEqual(try en.headline("strong").text, "keeps 96.6% of its reference accuracy on sketch, its hardest shift")
        XCTAssertEqual(try en.headline("strong").reasonCount, 0)
        XCTAssertEqual(try ja.headline("strong").text, "最も難しいシフトsketchでも基準精度の96.6%を維持")
    }

    func testOverviewShowsOneLinePerModelWithTheOtherReasonsCollapsed() throws {
        let site = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        let folder = try SiteFixture.builder(site: site).addRun(results: Self.results(language: "en"), manifestJSON: Data("{}".utf8))
        XCTAssertEqual(SiteChecks.malformedPages(in: site), [])
        let overview = SiteChecks.read(folder.appendingPathComponent("index.html"))
        XCTAssertEqual(overview.components(separatedBy: "<p class=\"verdict-line\">").count - 1, 2)
        XCTAssertTrue(overview.contains("<span class=\"headline\">sketch: accuracy 41.0%, below the minimum of 60.0%</span>"))
        XCTAssertTrue(overview.contains("<details class=\"reasons\">\n<summary>All 5 reasons</summary>"))
        XCTAssertTrue(overview.contains("<li>fog: Accuracy drops by 17.5% of the reference, close to the allowed 20.0%.</li>"))
        // A passing model has no reasons to unfold.
        XCTAssertEqual(overview.components(separatedBy: "<details class=\"reasons\">").count - 1, 1)

        // The packet's cover: the same lines without details, and the key numbers beside the question.
        let packet = SiteChecks.read(folder.appendingPathComponent("packet.html"))
        let cover = try XCTUnwrap(packet.components(separatedBy: "<section class=\"sheet\">").first)
        XCTAssertTrue(cover.contains("<span class=\"headline\">sketch: accuracy 41.0%, below the minimum of 60.0%</span>"))
        XCTAssertFalse(cover.contains("<details"))
        XCTAssertTrue(cover.contains("<tr><th scope=\"row\">weak</th><td class=\"num\">80.0%<br><span class=\"ci\">75.0–84.0%</span></td><td class=\"nowrap\">sketch</td>"
                                     + "<td class=\"num\">41.0%<br><span class=\"ci\">36.0–45.0%</span></td><td class=\"num\">−39.0 pp<br><span class=\"ci\">−45.0 to −34.0 pp</span></td></tr>"))
    }

    func testJapaneseSentencesFollowEachOtherWithoutASpace() throws {
        let site = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        let builder = try SiteFixture.builder(site: site)
        let japanese = try builder.addRun(results: Self.results(language: "ja"), manifestJSON: Data("{}".utf8))
        let english = try builder.addRun(results: Self.results(language: "en"), manifestJSON: Data("{}".utf8))
        for page in SiteChecks.files(in: japanese, withExtension: "html") {
            XCTAssertFalse(SiteChecks.read(page).contains("。 "), page.lastPathComponent)
        }
        let model = SiteChecks.read(japanese.appendingPathComponent("models/weak.html"))
        XCTAssertTrue(model.contains("維持しています。この条件でのトップ1精度は41.0%です"))
        let englishModel = SiteChecks.read(english.appendingPathComponent("models/weak.html"))
        XCTAssertTrue(englishModel.contains("of its reference accuracy. Its top-1 accuracy there is 41.0%"), "English sentences keep their space")
    }

    func testClassesThatLoseTheMostComeWorstFirstWithBothIntervals() throws {
        var results = Self.results(language: "en")
        func set(_ domain: String, _ classes: [(index: Int, correct: Int)]) {
            guard let position = results.probes.firstIndex(where: { $0.model == "weak" && $0.domain == domain }) else { return XCTFail(domain) }
            results.probes[position].results.zeroShot?.perClass = classes.map {
                ClassAccuracy(classIndex: $0.index, count: 20, correct: $0.correct, accuracy: Double($0.correct) / 20,
                              ci: Interval(lower: Double($0.correct) / 20 - 0.1, upper: min(1, Double($0.correct) / 20 + 0.05)))
            }
        }
        set("day", [(0, 18), (1, 20), (2, 10), (3, 16)])
        set("sketch", [(0, 9), (1, 4), (2, 10), (3, 2)])
        let context = PageContext(run: SiteRun(results: results, classNames: ["bolt", "nut", "washer", "gear"]),
                                  catalog: try Catalog(language: "en", directory: CatalogTests.i18n))
        let rows = try context.classChanges(model: "weak", shift: "sketch", count: 3)
        func cell(_ row: TemplateValue, _ key: String) -> String {
            guard case .dict(let values) = row else { return "" }
            switch values[key] {
            case .text(let text)?, .number(let text)?: return text
            default: return ""
            }
        }
        // nut 100% → 20% (−80), gear 80% → 10% (−70), bolt 90% → 45% (−45); washer keeps 50%.
        XCTAssertEqual(rows.map { cell($0, "class") }, ["nut", "gear", "bolt"])
        XCTAssertEqual(rows.map { cell($0, "change") }, ["−80.0 pp", "−70.0 pp", "−45.0 pp"])
        XCTAssertEqual(cell(rows[0], "accuracy_ci"), "10.0–25.0%")
        XCTAssertEqual(cell(rows[0], "reference_ci"), "90.0–100.0%")
    }

    func testConfusionsOnTheShiftPageAndInTheirCSV() throws {
        var results = Self.results(language: "en")
        let position = try XCTUnwrap(results.probes.firstIndex { $0.model == "weak" && $0.domain == "sketch" })
        results.probes[position].results.zeroShot?.confusions = [Confusion(trueClass: 2, predictedClass: 0, count: 17),
                                                                 Confusion(trueClass: 1, predictedClass: 3, count: 4)]
        let site = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        let folder = try SiteFixture.builder(site: site).addRun(results: results, classNames: ["bolt", "nut", "=washer", "gear"], manifestJSON: Data("{}".utf8))
        let page = SiteChecks.read(folder.appendingPathComponent("shifts/sketch.html"))
        XCTAssertTrue(page.contains("<tr><td><a href=\"../models/weak.html\">weak</a></td><th scope=\"row\">=washer</th><td>bolt</td><td class=\"num\">17</td></tr>"))
        XCTAssertFalse(SiteChecks.read(folder.appendingPathComponent("shifts/night.html")).contains("mistaken for"))
        let csv = SiteChecks.read(folder.appendingPathComponent("tables/confusions.csv"))
        XCTAssertEqual(csv, "model,domain,true_class_index,true_class,predicted_class_index,predicted_class,count\r\n"
                            + "weak,sketch,2,'=washer,0,bolt,17\r\nweak,sketch,1,nut,3,gear,4\r\n")
        XCTAssertEqual(SiteChecks.brokenLinks(in: site).problems, [])
    }

    /// The most confident mistakes: per model a row of images (their thumbnails from the run folder,
    /// the path where none was written), the classes and the confidence; kept by `render`.
    func testConfidentMistakesOnTheShiftPageWithTheirThumbnails() throws {
        var results = Self.results(language: "en")
        let position = try XCTUnwrap(results.probes.firstIndex { $0.model == "weak" && $0.domain == "sketch" })
        results.probes[position].results.zeroShot?.confidentMistakes = [
            ConfidentMistake(path: "washer/07.jpg", trueClass: 2, predictedClass: 0, probability: 0.987),
            ConfidentMistake(path: "nut/11.jpg", trueClass: 1, predictedClass: 3, probability: 0.9),
        ]
        let site = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]  // the site copies the bytes; it never decodes them
        let builder = try SiteFixture.builder(site: site)
        let folder = try builder.addRun(results: results, classNames: ["bolt", "nut", "washer", "gear"],
                                        thumbnails: [SiteThumbnail(domain: "sketch", source: "washer/07.jpg", png: png, isMistake: true)],
                                        manifestJSON: Data("{}".utf8))
        let page = SiteChecks.read(folder.appendingPathComponent("shifts/sketch.html"))
        XCTAssertTrue(page.contains("<tr><th scope=\"row\"><a href=\"../models/weak.html\">weak</a></th><td><div class=\"thumbs\"><img src=\"../thumbnails/sketch/mistakes/01.png\" alt=\"washer/07.jpg\" title=\"washer/07.jpg\"></div>washer → bolt<br>98.7%</td><td>nut/11.jpg<br>nut → gear<br>90.0%</td></tr>"), page)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("thumbnails/sketch/mistakes/01.png")), Data(png))
        XCTAssertFalse(SiteChecks.read(folder.appendingPathComponent("shifts/night.html")).contains("confident mistakes"))
        XCTAssertEqual(SiteChecks.brokenLinks(in: site).problems, [])
        // Rendering again from results.json alone gives the same page.
        let run = try SiteRun(resultsJSON: Data(contentsOf: folder.appendingPathComponent("results.json")))
        XCTAssertEqual(run.mistakeThumbnail("sketch", source: "washer/07.jpg"), "thumbnails/sketch/mistakes/01.png")
        XCTAssertTrue(run.thumbnails.isEmpty)
    }
}
