import Foundation
import XCTest
@testable import Probes
@testable import Results

/// "Labels that settle it" against Fixtures/sample_size.json (make_sample_size_fixtures.py:
/// scipy's beta quantiles and binomial pmf, every n scanned).
final class SampleSizeTests: XCTestCase {
    static func fixture() throws -> [String: Any] {
        let data = try Data(contentsOf: Fixture.directory.appendingPathComponent("sample_size.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func rows(_ key: String) throws -> [[String: Any]] {
        let rows = try XCTUnwrap(try fixture()[key] as? [[String: Any]])
        XCTAssertFalse(rows.isEmpty)
        return rows
    }

    func testCapMatchesTheFixture() throws {
        XCTAssertEqual(try XCTUnwrap(try Self.fixture()["cap"] as? Int), SampleSize.cap)
    }

    func testLabelsToSettleAndDecisionProbabilityMatchScipy() throws {
        for row in try Self.rows("settle") {
            let p = try XCTUnwrap(row["accuracy"] as? Double), t = try XCTUnwrap(row["threshold"] as? Double)
            let labelled = try XCTUnwrap(row["labelled"] as? Int)
            let n = SampleSize.labelsToSettle(accuracy: p, threshold: t, labelled: labelled)
            XCTAssertEqual(n, row["total"] as? Int, "p \(p) t \(t) after \(labelled)")
            if let n, let expected = row["decision_probability"] as? Double {
                assertClose(SampleSize.decisionProbability(trials: n, accuracy: p, threshold: t), expected, relative: 1e-9, "p \(p) t \(t) n \(n)")
            }
        }
    }

    func testLabelsToCheckMatchesScipy() throws {
        for row in try Self.rows("check") {
            let e = try XCTUnwrap(row["estimate"] as? Double), margin = try XCTUnwrap(row["margin"] as? Double)
            XCTAssertEqual(SampleSize.labelsToCheck(estimate: e, margin: margin), row["total"] as? Int, "e \(e) ± \(margin)")
        }
    }

    func testBinomialCDFMatchesScipy() throws {
        for row in try Self.rows("binomial_cdf") {
            let k = try XCTUnwrap(row["k"] as? Int), n = try XCTUnwrap(row["n"] as? Int), p = try XCTUnwrap(row["p"] as? Double)
            assertClose(SampleSize.binomialCDF(k, trials: n, probability: p), try XCTUnwrap(row["cdf"] as? Double), relative: 1e-10, floor: 1e-15)
        }
    }

    /// The count it gives is the one where the verdict's own interval (Statistics.clopperPearson)
    /// stops straddling the threshold: it does at n − 1, not at n.
    func testSettlingCountIsWhereTheVerdictIntervalClearsTheThreshold() throws {
        let p = 0.78, t = 0.8
        let n = try XCTUnwrap(SampleSize.labelsToSettle(accuracy: p, threshold: t, labelled: 200))
        let at = try XCTUnwrap(Statistics.clopperPearson(successes: SampleSize.successes(accuracy: p, trials: n), trials: n))
        XCTAssertLessThan(at.upper, t)
        let before = try XCTUnwrap(Statistics.clopperPearson(successes: SampleSize.successes(accuracy: p, trials: n - 1), trials: n - 1))
        XCTAssertGreaterThanOrEqual(before.upper, t)
    }

    /// Which verdicts get a count, from the verdict rules themselves.
    func testEvaluateCountsOnlyWhatMoreLabelsCanSettle() throws {
        func zeroShot(_ correct: Int, of n: Int) -> ZeroShotResult {
            let ci = Statistics.clopperPearson(successes: correct, trials: n)!
            return ZeroShotResult(count: n, top1Correct: correct, top1: Double(correct) / Double(n), top1CI: ci, top5Correct: n, top5: 1,
                                  top5CI: Statistics.clopperPearson(successes: n, trials: n)!, perClass: [])
        }
        let criteria = Criteria(minAccuracy: 0.8, maxRelativeDrop: 0.2)
        let probes = [
            ModelDomainProbes(model: "m", domain: "ref", results: ProbeResults(zeroShot: zeroShot(360, of: 400))),
            ModelDomainProbes(model: "m", domain: "dark", results: ProbeResults(zeroShot: zeroShot(156, of: 200))),
            ModelDomainProbes(model: "m", domain: "night", results: ProbeResults(atc: ATCResult(threshold: 0.5, estimate: 0.7))),
        ]
        let verdicts = probes.map { entry in
            Verdict.shift(model: "m", domain: entry.domain, isReference: entry.domain == "ref", probes: entry.results,
                          referenceAccuracy: 0.9, robustness: nil, criteria: criteria)
        }
        XCTAssertEqual(verdicts.map(\.status), [.pass, .watch, .watch])
        let needed = SampleSize.evaluate(probes: probes, referenceDomain: "ref", verdicts: verdicts, criteria: criteria)
        XCTAssertEqual(needed.map(\.code), [.settleMinAccuracy, .checkEstimate, .settleMinAccuracy, .settleRelativeDrop])
        XCTAssertEqual(needed.map(\.domain), ["dark", "night", "night", "night"])
        let dark = needed[0]
        XCTAssertEqual(dark.labelled, 200)
        XCTAssertEqual(dark.total, SampleSize.labelsToSettle(accuracy: 0.78, threshold: 0.8, labelled: 200))
        XCTAssertEqual(dark.additional, dark.total - 200)
        XCTAssertFalse(dark.capped)
        XCTAssertNotNil(dark.decisionProbability)
        XCTAssertEqual(needed[1].total, SampleSize.labelsToCheck(estimate: 0.7, margin: 0.05))
        XCTAssertEqual(needed[1].margin, 0.05)
        // Relative drop: the allowed accuracy is (1 − 0.2) × 0.9 = 0.72, from no labels.
        XCTAssertEqual(try XCTUnwrap(needed[3].threshold), 0.72, accuracy: 1e-12)
        XCTAssertEqual(needed[3].labelled, 0)
    }

    func testAnAccuracyAtTheCriterionIsCapped() throws {
        let criteria = Criteria(minAccuracy: 0.75)
        let ci = Statistics.clopperPearson(successes: 45, trials: 60)!
        let entry = ModelDomainProbes(model: "m", domain: "ref", results: ProbeResults(zeroShot: ZeroShotResult(
            count: 60, top1Correct: 45, top1: 0.75, top1CI: ci, top5Correct: 60, top5: 1, top5CI: ci, perClass: [])))
        let verdict = Verdict.shift(model: "m", domain: "ref", isReference: true, probes: entry.results, referenceAccuracy: nil, robustness: nil, criteria: criteria)
        let needed = SampleSize.evaluate(probes: [entry], referenceDomain: "ref", verdicts: [verdict], criteria: criteria)
        XCTAssertEqual(needed.count, 1)
        XCTAssertTrue(needed[0].capped)
        XCTAssertEqual(needed[0].total, SampleSize.cap)
        XCTAssertNil(needed[0].decisionProbability)
    }
}
