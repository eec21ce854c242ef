import Foundation
@testable import Probes
@testable import Results
@testable import Site
import XCTest

/// What the pages say about the strength of the evidence (issue #13): `not_assessed` verdicts,
/// guardrails, effective-robustness intervals and the reason an interval is missing.
final class EvidenceTests: XCTestCase {
    func catalog(_ language: String) throws -> Catalog { try Catalog(language: language, directory: CatalogTests.i18n) }

    func render(_ results: RunResults, page: String = "index.html") throws -> String {
        let site = SiteFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        let folder = try SiteFixture.builder(site: site).addRun(results: results, classNames: StoredMessagesTests.classNames, manifestJSON: Data("{}".utf8))
        XCTAssertEqual(SiteChecks.malformedPages(in: site), [])
        return SiteChecks.read(folder.appendingPathComponent(page))
    }

    /// An unlabelled reference: nothing can be checked there, so it is `not_assessed` and its
    /// model is no pass; with no criterion that applies anywhere, the model is `not_assessed`, in
    /// either language.
    func testUnlabelledReferenceIsNotAssessedOnThePages() throws {
        for (language, label, sentence, reason) in [
            ("en", "Not assessed", "could not be assessed on every image set", "reference: No criterion could be checked here"),
            ("ja", "未評価", "すべての画像セットでは評価できていません", "reference：ここでは基準を一つも確認できませんでした"),
        ] {
            var results = try StoredMessagesTests.results(language: language)
            XCTAssertEqual(results.verdicts.shifts.first { $0.domain == "reference" }?.status, .notAssessed)
            XCTAssertNotEqual(results.verdicts.models.first?.status, .pass)
            XCTAssertTrue(try render(results).contains(reason), language)
            // No criterion set: nothing anywhere could be checked.
            results.criteria = Criteria()
            results.verdicts = ProbeSuite.verdicts(probes: results.probes, referenceDomain: "reference", robustness: results.effectiveRobustness,
                                                   criteria: results.criteria)
            XCTAssertEqual(results.verdicts.models.first?.status, .notAssessed)
            let html = try render(results)
            XCTAssertTrue(html.contains("badge-not_assessed"), language)
            XCTAssertTrue(html.contains(label), language)
            XCTAssertFalse(html.contains("badge-pass"), language)
            XCTAssertTrue(html.contains(sentence), language)
        }
    }

    /// Guardrails stored in results.json are listed on the run overview, with the models that
    /// could not be run and why.
    func testGuardrailsAndModelsNotLoadedAreListed() throws {
        var results = try StoredMessagesTests.results(language: "en")
        results.guardrails = [Guardrail(code: .modelNotLoaded, model: "big", detail: "weights file is truncated")]
            + Guardrails.evaluate(probes: results.probes, domains: results.domains, referenceDomain: "reference", verdicts: results.verdicts.shifts)
        XCTAssertTrue(results.guardrails!.contains { $0.code == .domainTooFewImages && $0.domain == "single" })
        let decoded = try RunResults.decode(try RunResults.encoder().encode(results))
        XCTAssertEqual(decoded.guardrails, results.guardrails)
        let english = try render(results)
        XCTAssertTrue(english.contains("big could not be run and is missing from every table: weights file is truncated"))
        // The headline sentence counts the models that were not run, not only those that were.
        XCTAssertTrue(english.contains("1 more model of the pilot could not be run and is in none of these results: big."))
        XCTAssertTrue(english.contains("single is too small for the stated intervals (1 of at least 30 images)"))
        var japanese = results
        japanese.pilot.language = "ja"
        let html = try render(japanese)
        XCTAssertTrue(html.contains("bigは実行できなかったため、どの表にも含まれていません：weights file is truncated"))
    }

    /// A point's ER is shown with its interval and the baseline it was measured against; a
    /// point without one says why.
    func testRobustnessSentencesShowTheIntervalOrItsAbsence() throws {
        let run = SiteRun(results: SiteFixture.results(), classNames: SiteFixture.classNames)
        var point = try XCTUnwrap(run.robustness("ViT-B/32 LAION-2B", "low-light"))
        point.intervals = CandidateInterval(effectiveRobustness: Interval(lower: -0.012, upper: 0.034), relativeAccuracy: nil,
                                            resamples: 1000, lineResamples: 1000, seed: 9, limitation: nil)
        let en = PageContext(run: run, catalog: try catalog("en"))
        let sentences = try en.robustnessSentences(point)
        XCTAssertEqual(sentences.count, 2)
        XCTAssertEqual(sentences[1], "Its 95% interval is −1.2 to +3.4 pp (the model's own images and the baseline models resampled).")
        point.intervals = CandidateInterval(effectiveRobustness: nil, relativeAccuracy: nil, resamples: 1000, lineResamples: nil, seed: 9,
                                            limitation: .tooFewDistinctPoints)
        XCTAssertEqual(try en.robustnessSentences(point).last,
                       "Fewer than 3 distinct baseline points: the line has no band and effective robustness no interval, so it is shown but does not count in the verdict.")
        // The margin keeps its sign: −0.05 is 5 points under the line.
        var withMargin = SiteFixture.results()
        withMargin.criteria.minEffectiveRobustness = -0.05
        XCTAssertTrue(try PageContext(run: SiteRun(results: withMargin), catalog: try catalog("en")).criteriaText()
            .hasSuffix("effective robustness not clearly below −5.0 pp (the whole 95% interval under it)"))
        let ja = PageContext(run: run, catalog: try catalog("ja"))
        XCTAssertEqual(try ja.robustnessSentences(point).last,
                       "ベースラインの異なる点が3つ未満のため、直線に帯はなく、実効ロバスト性にも区間がありません。値は表示しますが、判定には使いません。")
    }

    /// Issue #13 item 10: with 3 or more models, the outlier signal against ER (relative accuracy
    /// without a baseline), one point per model with its interval, two panels per shift.
    func testCrossModelChartNeedsThreeModels() throws {
        var results = SiteFixture.results()
        for m in results.effectiveRobustness.indices {
            for p in results.effectiveRobustness[m].points.indices {
                let point = results.effectiveRobustness[m].points[p]
                let er = point.effectiveRobustness ?? 0, relative = point.relativeAccuracy ?? 1
                results.effectiveRobustness[m].points[p].intervals = CandidateInterval(
                    effectiveRobustness: Interval(lower: er - 0.02, upper: er + 0.03), relativeAccuracy: Interval(lower: relative - 0.04, upper: relative + 0.01),
                    resamples: 1000, lineResamples: 1000, seed: 1, limitation: nil)
            }
        }
        let context = PageContext(run: SiteRun(results: results), catalog: try catalog("en"))
        let chart = try XCTUnwrap(try context.signalMultiples(id: "signal"))
        let run = context.run
        let shiftsWithPoints = run.shifts.filter { shift in run.evaluatedModels.contains { run.robustness($0.name, shift.name) != nil } }
        XCTAssertEqual(chart.table.rows.count, 2 * 3 * shiftsWithPoints.count)
        let reference = try XCTUnwrap(run.reference)
        for row in chart.table.rows {
            let model = row[1], shift = String(row[0].split(separator: " · ")[0])
            let outliers = try XCTUnwrap(run.probes(model, reference.name)?.outliers)
            let point = try XCTUnwrap(run.robustness(model, shift))
            XCTAssertTrue([Fixed.format(outliers.ratios.max()!, digits: 2), Fixed.format(outliers.kurtosisMean!, digits: 2)].contains(row[2]))
            if let er = point.effectiveRobustness {
                XCTAssertEqual(row[3], ValueFormat.points(digits: 1, unit: "pp")(er))
                XCTAssertEqual(row[4], "\(ValueFormat.points(digits: 1, unit: "pp")(er - 0.02)) – \(ValueFormat.points(digits: 1, unit: "pp")(er + 0.03))")
            }
        }
        XCTAssertTrue(try render(results).contains("chart-signal"))
        // Two evaluated models: no chart.
        results.models.removeAll { $0.name == "RN50 openai" }
        XCTAssertNil(try PageContext(run: SiteRun(results: results), catalog: try catalog("en")).signalMultiples(id: "signal"))
    }
}
